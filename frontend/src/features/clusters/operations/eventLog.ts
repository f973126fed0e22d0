// The events of one operation as the deploy view holds them: unique by counter, in counter order,
// whatever order and however often they arrive (live stream, back-fill after a drop, a resend).
import type { OperationEvent } from '../api';

export class EventLog {
  private items: OperationEvent[] = [];
  private seen = new Set<number>();

  /** Adds what is new; returns how many were. Appends in O(1) when they come in order (the usual case). */
  add(batch: readonly OperationEvent[]): number {
    let added = 0;
    for (const event of batch) {
      if (typeof event?.counter !== 'number' || this.seen.has(event.counter)) continue;
      this.seen.add(event.counter);
      added += 1;
      const last = this.items[this.items.length - 1];
      if (!last || last.counter < event.counter) {
        this.items.push(event);
        continue;
      }
      // Out of order (a gap filled late): insert at its place.
      let lo = 0;
      let hi = this.items.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.items[mid].counter < event.counter) lo = mid + 1;
        else hi = mid;
      }
      this.items.splice(lo, 0, event);
    }
    return added;
  }

  get events(): readonly OperationEvent[] {
    return this.items;
  }

  get size(): number {
    return this.items.length;
  }

  /** The highest counter held: where a resume starts (`after`). */
  get lastCounter(): number {
    return this.items.length ? this.items[this.items.length - 1].counter : 0;
  }

  /** Whether the operation's final event (`kind: end`) is here. */
  get hasEnd(): boolean {
    const last = this.items[this.items.length - 1];
    return !!last && last.kind === 'end';
  }
}

export type CellStatus = 'running' | 'ok' | 'changed' | 'failed' | 'unreachable' | 'skipped';

export interface TaskGrid {
  hosts: string[];
  /** The most recent tasks, oldest first: `${phase} · ${task}`. */
  tasks: { key: string; phase: string; task: string }[];
  cells: Map<string, Map<string, CellStatus>>;
}

const CELL: Record<string, CellStatus> = {
  running: 'running',
  ok: 'ok',
  changed: 'changed',
  failed: 'failed',
  unreachable: 'unreachable',
  skipped: 'skipped',
};

// Phases the deployment service runs itself (python), on no host: creating and destroying a plan's VMs.
// Their steps ("provision/apply") show on a row named after the phase, so the grid moves while VMs are made.
const HOSTLESS_PHASES = new Set(['provision', 'deprovision']);

/** Hosts × the last `limit` tasks, each cell the host's latest status in that task. */
export function taskGrid(events: readonly OperationEvent[], limit = 12): TaskGrid {
  const hosts: string[] = [];
  const hostSet = new Set<string>();
  const order = new Map<string, { key: string; phase: string; task: string; at: number }>();
  const cells = new Map<string, Map<string, CellStatus>>();
  for (const raw of events) {
    const e = !raw.host && HOSTLESS_PHASES.has(raw.phase) ? { ...raw, host: raw.phase } : raw;
    if (!e.host || !e.task) continue;
    if (e.kind !== 'task_start' && e.kind !== 'task_result' && e.kind !== 'item_result' && e.kind !== 'retry') continue;
    const status: CellStatus | undefined =
      e.kind === 'task_start' || e.kind === 'retry' ? 'running' : e.status === 'ok' && e.changed ? 'changed' : CELL[e.status];
    if (!status) continue;
    const key = `${e.phase} · ${e.task}`;
    const known = order.get(key);
    // A task seen again (a retry of the phase) moves to the end.
    if (known) known.at = e.counter;
    else order.set(key, { key, phase: e.phase, task: e.task, at: e.counter });
    if (!hostSet.has(e.host)) {
      hostSet.add(e.host);
      hosts.push(e.host);
    }
    let row = cells.get(e.host);
    if (!row) {
      row = new Map<string, CellStatus>();
      cells.set(e.host, row);
    }
    // An item's failure stays the task's colour even when later items pass.
    const prev = row.get(key);
    if (e.kind === 'item_result' && (prev === 'failed' || prev === 'unreachable')) continue;
    if (e.kind === 'item_result' && prev === 'changed' && status === 'ok') continue;
    row.set(key, status);
  }
  const tasks = [...order.values()].sort((a, b) => a.at - b.at).slice(-limit).map(({ key, phase, task }) => ({ key, phase, task }));
  return { hosts, tasks, cells };
}

export interface PhaseLive {
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  startedAt?: string;
  endedAt?: string;
}

/** What the events say of each phase (the newest run): applied over the operation's own record. */
export function phasesFromEvents(events: readonly OperationEvent[]): Map<string, PhaseLive> {
  const out = new Map<string, PhaseLive>();
  for (const e of events) {
    if (e.kind === 'phase_start') out.set(e.phase, { status: 'running', startedAt: e.time });
    else if (e.kind === 'phase_end') {
      const status = e.status === 'succeeded' || e.status === 'failed' || e.status === 'cancelled' ? e.status : 'succeeded';
      out.set(e.phase, { ...out.get(e.phase), status, endedAt: e.time });
    }
  }
  return out;
}

/** One log line: what a person reads in the live log and in the downloaded file. */
export function formatEvent(e: OperationEvent, full = false): string {
  const time = e.time.length >= 19 ? e.time.slice(11, 19) : e.time;
  const parts = [`#${e.counter}`, time, `[${e.phase}]`];
  if (e.host) parts.push(e.host);
  const what = e.task ? `${e.kind} ${e.task}` : e.kind;
  parts.push(`${what}: ${e.status}${e.changed ? ' (changed)' : ''}`);
  if (e.duration_ms != null) parts.push(`${(e.duration_ms / 1000).toFixed(1)}s`);
  let line = parts.join(' ');
  if (e.excerpt) {
    const text = full ? e.excerpt : e.excerpt.split('\n')[0];
    line += full && e.excerpt.includes('\n') ? `\n${text}` : ` — ${text}`;
  }
  return line;
}
