// The model of adding and removing masters: which hosts may become masters, when a master may go,
// and what etcd tolerates with a number of masters. The server decides (quorum, subnets); this only
// keeps the console from offering what it would refuse for sure.
import type { Host } from '../../hosts/api';
import { readFacts } from '../../hosts/facts';
import type { Cluster, MastersAdd, Node } from '../api';
import { unsuitable, type Unsuitable } from '../create/spec';
import { candidates, type Blocked } from '../workers/workers';

/** kubeadm's preflight refuses a control plane on fewer CPUs. */
export const MASTER_MIN_CPUS = 2;
/** The most masters one request adds (MastersAdd.nodes maxItems). */
export const MAX_MASTERS_AT_ONCE = 4;

/** Why a host cannot become a master, or null when it can (unknown CPUs: the server checks). */
export function masterUnsuitable(host: Host): Unsuitable | null {
  const why = unsuitable(host);
  if (why) return why;
  const cpus = readFacts(host)?.cpus;
  return cpus != null && cpus < MASTER_MIN_CPUS ? { reason: 'fewCpus', cpus } : null;
}

/** The hosts offered: the project's hosts not already in this cluster, those that can be masters first. */
export function masterCandidates(hosts: Host[], clusterId: string): Host[] {
  const others = candidates(hosts, clusterId);
  return [...others.filter((h) => !masterUnsuitable(h)), ...others.filter((h) => masterUnsuitable(h))];
}

export const mastersOf = <N extends Pick<Node, 'role'>>(nodes: N[]): N[] => nodes.filter((n) => n.role === 'master');

/** How many etcd members may fail with `members` of them (a majority must stay). */
export const tolerates = (members: number): number => Math.max(0, Math.floor((members - 1) / 2));

/**
 * Why this master's Remove is disabled: the cluster's gating first (busy, not running), then the
 * last master, which the server always refuses. Quorum is the server's to judge, with the reason.
 */
export function removeMasterBlocked(
  blocked: Exclude<Blocked, 'readOnly'> | null,
  cluster: Pick<Cluster, 'nodes'>,
): Exclude<Blocked, 'readOnly'> | 'onlyMaster' | null {
  if (blocked) return blocked;
  return mastersOf(cluster.nodes).length <= 1 ? 'onlyMaster' : null;
}

export const toMastersBody = (hostIds: string[]): MastersAdd => ({ nodes: hostIds.map((host_id) => ({ host_id })) });
