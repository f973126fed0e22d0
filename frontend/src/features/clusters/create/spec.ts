// The wizard's model: its values, the body it sends, which hosts can be nodes, and where each of
// the API's field errors belongs (form field, host row, and the step that holds it).
import { ApiError } from '../../../api';
import { toNamePath } from '../../../app/errors';
import type { Host } from '../../hosts/api';
import { readFacts } from '../../hosts/facts';
import type { ClusterCreate } from '../api';
import { ADVANCED_DEFAULTS, ADVANCED_FIELDS, toAdvanced, type AdvancedValues } from './advanced';

export type Role = 'master' | 'worker';
export type Topology = ClusterCreate['topology'];
/** Where the nodes come from: inventory hosts chosen here, or VMs the deploy creates from a plan. */
export type Source = 'hosts' | 'plan';
export const MASTERS: Record<Topology, number> = { single: 1, ha: 3 };
/** kubeadm refuses a control plane with fewer; the console asks the same of every node. */
export const MIN_CPUS = 2;

export interface WizardValues {
  project_id: string;
  name: string;
  version: string;
  arch: 'amd64' | 'arm64';
  topology: Topology;
  source: Source;
  provisioning: { plan_id?: string; worker_count?: number | null };
  runtime: { registry_mirrors: string[] };
  network: { plugin: 'flannel' | 'calico' | 'none'; pod_cidr: string; service_cidr: string; proxy_mode: 'iptables' | 'ipvs'; dns_domain: string };
  load_balancer: { mode: 'internal' | 'external'; vip?: string; port: number };
  ingress: { enabled: boolean };
  storage: { provisioner: 'none' | 'nfs' | 'rook-ceph' | 'vsphere-csi' | 'cinder-csi'; nfs_server?: string; nfs_path?: string };
  f5: { enabled: boolean; url?: string; partition: string };
  addons: { metrics_server: boolean; helm: boolean; coredns: boolean };
  advanced: AdvancedValues;
}

export const DEFAULTS: Omit<WizardValues, 'project_id' | 'name' | 'version'> = {
  arch: 'amd64',
  topology: 'single',
  source: 'hosts',
  provisioning: {},
  runtime: { registry_mirrors: [] },
  network: { plugin: 'flannel', pod_cidr: '10.244.0.0/16', service_cidr: '10.96.0.0/12', proxy_mode: 'iptables', dns_domain: 'cluster.local' },
  load_balancer: { mode: 'internal', port: 8443 },
  ingress: { enabled: true },
  storage: { provisioner: 'none' },
  f5: { enabled: false, partition: 'Common' },
  addons: { metrics_server: true, helm: true, coredns: true },
  advanced: ADVANCED_DEFAULTS,
};

export type Nodes = { host_id: string; role: Role }[];

const blank = (v: string | undefined) => (v?.trim() ? v.trim() : null);

/** The ClusterCreate the API takes; fields the chosen modes do not use are left out. VMs from a plan: no nodes. */
export function toBody(v: WizardValues, nodes: Nodes): ClusterCreate {
  const external = v.load_balancer.mode === 'external';
  const nfs = v.storage.provisioner === 'nfs';
  const plan = v.source === 'plan';
  return {
    project_id: v.project_id,
    name: v.name.trim(),
    version: v.version,
    arch: v.arch,
    topology: v.topology,
    nodes: plan ? [] : [...nodes.filter((n) => n.role === 'master'), ...nodes.filter((n) => n.role === 'worker')],
    ...(plan && { provisioning: { plan_id: v.provisioning.plan_id ?? '', worker_count: v.provisioning.worker_count ?? null } }),
    runtime: { registry_mirrors: (v.runtime.registry_mirrors ?? []).map((m) => m.trim()).filter(Boolean) },
    network: { ...v.network, pod_cidr: v.network.pod_cidr.trim(), service_cidr: v.network.service_cidr.trim() },
    load_balancer: { mode: v.load_balancer.mode, vip: external ? blank(v.load_balancer.vip) : null, port: v.load_balancer.port },
    ingress: { enabled: v.ingress.enabled },
    storage: {
      provisioner: v.storage.provisioner,
      nfs_server: nfs ? blank(v.storage.nfs_server) : null,
      nfs_path: nfs ? blank(v.storage.nfs_path) : null,
    },
    f5: { enabled: v.f5.enabled, url: v.f5.enabled ? blank(v.f5.url) : null, partition: v.f5.partition || 'Common' },
    addons: { ...v.addons },
    advanced: toAdvanced(v.advanced),
  };
}

export type Unsuitable =
  | { reason: 'notReady'; status: Host['status'] }
  | { reason: 'inCluster'; cluster: string }
  | { reason: 'unsupportedOs'; detail: string }
  | { reason: 'noFacts' }
  | { reason: 'fewCpus'; cpus: number };

/** Why a host cannot be a node of a new cluster, or null when it can. */
export function unsuitable(host: Host): Unsuitable | null {
  if (host.cluster_id) return { reason: 'inCluster', cluster: host.cluster_id };
  if (host.status !== 'ready') return { reason: 'notReady', status: host.status };
  const facts = readFacts(host);
  if (!facts) return { reason: 'noFacts' };
  if (facts.os?.supported === false) return { reason: 'unsupportedOs', detail: facts.os.unsupported_reason ?? facts.os.name ?? '' };
  if (facts.cpus != null && facts.cpus < MIN_CPUS) return { reason: 'fewCpus', cpus: facts.cpus };
  return null;
}

export const STEPS = ['basics', 'topology', 'hosts', 'network', 'loadBalancer', 'addons', 'review'] as const;
export type Step = (typeof STEPS)[number];

const STEP_OF: Record<string, Step> = {
  project_id: 'basics',
  name: 'basics',
  version: 'basics',
  arch: 'basics',
  topology: 'topology',
  nodes: 'hosts',
  provisioning: 'hosts',
  network: 'network',
  runtime: 'network',
  load_balancer: 'loadBalancer',
  ingress: 'addons',
  storage: 'addons',
  f5: 'addons',
  addons: 'addons',
  advanced: 'addons',
};

/** The form fields of each step, as the API names them. */
export const FIELDS: Record<Step, string[]> = {
  basics: ['project_id', 'name', 'version', 'arch'],
  topology: ['topology'],
  // The plan's inputs (mounted only when "Create VMs from a plan" is chosen); the hosts are a table.
  hosts: ['provisioning.plan_id', 'provisioning.worker_count'],
  network: ['network.plugin', 'network.pod_cidr', 'network.service_cidr', 'network.proxy_mode', 'network.dns_domain', 'runtime.registry_mirrors'],
  loadBalancer: ['load_balancer.mode', 'load_balancer.vip', 'load_balancer.port'],
  addons: ['ingress.enabled', 'storage.provisioner', 'storage.nfs_server', 'storage.nfs_path', 'f5.enabled', 'f5.url', 'f5.partition', 'addons.metrics_server', 'addons.helm', 'addons.coredns', ...ADVANCED_FIELDS],
  review: [],
};
const FORM_FIELDS = new Set(Object.values(FIELDS).flat());

export interface MappedErrors {
  /** Errors on form fields, by name path. */
  fields: { name: (string | number)[]; errors: string[] }[];
  /** Errors on one chosen host (nodes[i]), by host id. */
  hosts: Record<string, string[]>;
  /** Errors on the choice of hosts as a whole (`nodes`). */
  nodes: string[];
  /** What no input can show. */
  rest: string[];
  /** The first step (in wizard order) with an error, or null. */
  step: Step | null;
}

/**
 * Where each of the API's problems belongs. The API names fields `nodes[1].host_id` (checks against
 * inventory) or `nodes.1.host_id` (payload validation), and a cross-field check of a group names the
 * group with the field in the sentence (`load_balancer`: "vip: required with mode external").
 */
export function mapErrors(error: unknown, body: ClusterCreate): MappedErrors {
  const out: MappedErrors = { fields: [], hosts: {}, nodes: [], rest: [], step: null };
  if (!(error instanceof ApiError)) return out;
  const steps = new Set<Step>();
  const byName = new Map<string, { name: (string | number)[]; errors: string[] }>();
  for (const { field, message } of error.fieldErrors()) {
    let path = toNamePath(field).map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));
    let text = message;
    // "vip: required ..." on the group load_balancer → load_balancer.vip.
    const lead = /^([a-z_]+)(?: and [a-z_]+)?: (.*)$/s.exec(message);
    if (path.length === 1 && lead && FORM_FIELDS.has(`${path[0]}.${lead[1]}`)) {
      path = [path[0], lead[1]];
      text = lead[2];
    }
    const step = STEP_OF[String(path[0])];
    if (step) steps.add(step);
    if (path[0] === 'nodes') {
      const index = typeof path[1] === 'number' ? path[1] : null;
      const hostId = index !== null ? body.nodes?.[index]?.host_id : undefined;
      if (hostId) (out.hosts[hostId] ??= []).push(text);
      else out.nodes.push(text);
      continue;
    }
    // runtime.registry_mirrors[2] → the mirrors field.
    let name: (string | number)[] | null = null;
    for (let n = path.length; n > 0 && !name; n--) {
      const sub = path.slice(0, n);
      if (sub.every((p) => typeof p === 'string') && FORM_FIELDS.has(sub.join('.'))) name = sub;
    }
    if (!name) {
      out.rest.push(field ? `${field}: ${message}` : message);
      continue;
    }
    // advanced.kubelet_config.fooBar → the kubelet input, the message naming fooBar.
    if (path[0] === 'advanced' && path.length > name.length) text = `${path.slice(name.length).join('.')}: ${text}`;
    const key = name.join('.');
    const entry = byName.get(key) ?? { name, errors: [] };
    entry.errors.push(text);
    byName.set(key, entry);
  }
  out.fields = [...byName.values()];
  out.step = STEPS.find((s) => steps.has(s)) ?? null;
  return out;
}
