// The model of adding, removing and rebuilding workers: who may, when, the body sent, and where each
// of the API's field errors belongs (the host's row, one label or taint row, or the banner).
import { ApiError } from '../../../api';
import { toNamePath } from '../../../app/errors';
import type { Me } from '../../../app/auth';
import { canWrite } from '../../../app/permissions';
import type { Host } from '../../hosts/api';
import type { Cluster, Node } from '../api';
import { unsuitable } from '../create/spec';

export type Effect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
export const EFFECTS: Effect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export interface LabelRow {
  key: string;
  value: string;
}
export interface TaintRow {
  key: string;
  value: string;
  effect: Effect;
}
/** One chosen host with the labels and taints its node gets; the order is the body's (nodes[i]). */
export interface WorkerDraft {
  host_id: string;
  labels: LabelRow[];
  taints: TaintRow[];
}
export interface WorkersBody {
  nodes: { host_id: string; labels: Record<string, string>; taints: { key: string; value: string; effect: Effect }[] }[];
}

/** Why workers cannot be changed now, or null when they can. Readers never see the actions at all. */
export type Blocked = 'readOnly' | 'notRunning' | 'busy';
const BUSY = new Set(['queued', 'running']);

export function workersBlocked(me: Me | null | undefined, cluster: Pick<Cluster, 'project_id' | 'status' | 'operation'>): Blocked | null {
  if (!canWrite(me, cluster.project_id)) return 'readOnly';
  if (cluster.operation && BUSY.has(cluster.operation.status)) return 'busy';
  if (cluster.status !== 'running') return 'notRunning';
  return null;
}

/**
 * A rebuild refused: the API's sentence for the dialog, and whether what the page shows is stale and
 * must be fetched again: the node is gone (404 `node`) or the cluster is busy or not running (409),
 * so the rows and the buttons' gating catch up. A master (422 `node`) cannot be chosen here.
 */
export function rebuildRefusal(error: unknown, describe: (e: unknown) => string): { text: string; stale: boolean } {
  const stale = error instanceof ApiError && (error.status === 409 || (error.status === 404 && error.field === 'node'));
  return { text: describe(error), stale };
}

/** Workers the health check has seen not ready for too long: rebuilding them is offered first. */
export const notReadyWorkers = <N extends Pick<Node, 'role' | 'status'>>(nodes: N[]): N[] =>
  nodes.filter((n) => n.role !== 'master' && n.status === 'not-ready');

/** The hosts offered: the project's hosts not already in this cluster, those that can join first. */
export function candidates(hosts: Host[], clusterId: string): Host[] {
  const others = hosts.filter((h) => h.cluster_id !== clusterId);
  return [...others.filter((h) => !unsuitable(h)), ...others.filter((h) => unsuitable(h))];
}

/** The errors of one chosen host: on the host itself, on its labels or taints, or on one of their rows. */
export interface HostErrors {
  host: string[];
  labels: string[];
  labelRows: Record<number, string[]>;
  taints: string[];
  taintRows: Record<number, string[]>;
}
export interface WorkerErrors {
  hosts: Record<string, HostErrors>;
  /** What belongs to no host (409 busy or not running, 404, or a field this dialog has no place for). */
  banner: string[];
}

export const emptyHostErrors = (): HostErrors => ({ host: [], labels: [], labelRows: {}, taints: [], taintRows: {} });
const push = (rows: Record<number, string[]>, row: number, text: string) => void (rows[row] ??= []).push(text);

const blankLabel = (r: LabelRow) => !r.key.trim() && !r.value.trim();
const blankTaint = (r: TaintRow) => !r.key.trim() && !r.value.trim();

/** Problems the console sees before sending: a value without a key, a label key given twice. */
export interface RowProblem {
  host_id: string;
  kind: 'labels' | 'taints';
  row: number;
  problem: 'keyRequired' | 'keyTwice';
  key?: string;
}

export function checkDrafts(drafts: WorkerDraft[]): RowProblem[] {
  const out: RowProblem[] = [];
  for (const d of drafts) {
    const seen = new Set<string>();
    d.labels.forEach((r, row) => {
      if (blankLabel(r)) return;
      const key = r.key.trim();
      if (!key) out.push({ host_id: d.host_id, kind: 'labels', row, problem: 'keyRequired' });
      else if (seen.has(key)) out.push({ host_id: d.host_id, kind: 'labels', row, problem: 'keyTwice', key });
      seen.add(key);
    });
    d.taints.forEach((r, row) => {
      if (!blankTaint(r) && !r.key.trim()) out.push({ host_id: d.host_id, kind: 'taints', row, problem: 'keyRequired' });
    });
  }
  return out;
}

/** The problems as errors on their rows, in the same shape as the API's (null when there are none). */
export function problemErrors(problems: RowProblem[], text: (p: RowProblem) => string): WorkerErrors | null {
  if (!problems.length) return null;
  const out: WorkerErrors = { hosts: {}, banner: [] };
  for (const p of problems) {
    const errors = (out.hosts[p.host_id] ??= emptyHostErrors());
    push(p.kind === 'labels' ? errors.labelRows : errors.taintRows, p.row, text(p));
  }
  return out;
}

/** The body the API takes: blank rows left out, keys and values trimmed. */
export function toBody(drafts: WorkerDraft[]): WorkersBody {
  return {
    nodes: drafts.map((d) => ({
      host_id: d.host_id,
      labels: Object.fromEntries(d.labels.filter((r) => !blankLabel(r)).map((r) => [r.key.trim(), r.value.trim()])),
      taints: d.taints.filter((r) => !blankTaint(r)).map((r) => ({ key: r.key.trim(), value: r.value.trim(), effect: r.effect })),
    })),
  };
}

/**
 * Where each of the API's problems belongs. Inventory checks name `nodes[1].host_id`, payload
 * validation `nodes.1.labels` (the sentence names the label) or `nodes.1.taints.0.effect`. Indices
 * are the body's: taint rows left out as blank are counted back to the dialog's rows.
 */
export function mapErrors(error: unknown, drafts: WorkerDraft[], describe: (e: unknown) => string): WorkerErrors {
  const out: WorkerErrors = { hosts: {}, banner: [] };
  if (!(error instanceof ApiError) || !error.fieldErrors().length || error.status !== 422) {
    out.banner.push(describe(error));
    return out;
  }
  for (const { field, message } of error.fieldErrors()) {
    const path = toNamePath(field).map((p) => (typeof p === 'string' && /^\d+$/.test(p) ? Number(p) : p));
    const draft = path[0] === 'nodes' && typeof path[1] === 'number' ? drafts[path[1]] : undefined;
    if (!draft) {
      out.banner.push(field ? `${field}: ${message}` : message);
      continue;
    }
    const errors = (out.hosts[draft.host_id] ??= emptyHostErrors());
    const [, , part, index, sub] = path;
    if (part === 'labels') {
      // The label is named in the sentence ('key' or key=): its row if one matches, else the section.
      const row = draft.labels.findIndex((r) => r.key.trim() && (message.includes(`'${r.key.trim()}'`) || message.includes(`${r.key.trim()}=`)));
      if (row >= 0) push(errors.labelRows, row, message);
      else errors.labels.push(message);
    } else if (part === 'taints' && typeof index === 'number') {
      const kept = draft.taints.map((r, i) => [r, i] as const).filter(([r]) => !blankTaint(r));
      const row = kept[index]?.[1];
      const text = typeof sub === 'string' ? `${sub}: ${message}` : message;
      if (row !== undefined) push(errors.taintRows, row, text);
      else errors.taints.push(text);
    } else if (part === 'taints') {
      errors.taints.push(message);
    } else {
      errors.host.push(message);
    }
  }
  return out;
}
