// A typed, defensive view of a host's facts: the API sends them as a free-form object,
// and a host that was never reached (or an older agent) may lack any part.
import type { Host } from './api';

export interface OsFacts {
  id: string | null;
  name: string | null;
  version_id: string | null;
  family: string | null;
  supported: boolean | null;
  unsupported_reason: string | null;
}

export interface Disk {
  name: string;
  size_bytes: number;
}

export interface Address {
  interface: string;
  address: string;
  prefix: number;
  family: string;
}

export interface PortInUse {
  protocol: string;
  port: number;
  purpose: string;
}

export interface HostFacts {
  os: OsFacts | null;
  kernel: string | null;
  arch: string | null;
  hostname: string | null;
  cpus: number | null;
  memory_bytes: number | null;
  memory_available_bytes: number | null;
  swap_on: boolean | null;
  swap_bytes: number | null;
  disks: Disk[];
  root_free_bytes: number | null;
  var_free_bytes: number | null;
  addresses: Address[];
  ports_in_use: PortInUse[];
  time_offset_ms: number | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const bool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
const list = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : [];

export function readFacts(host: Pick<Host, 'facts'>): HostFacts | null {
  const f = host.facts;
  if (!f) return null;
  const os = typeof f.os === 'object' && f.os !== null ? (f.os as Record<string, unknown>) : null;
  return {
    os: os && {
      id: str(os.id),
      name: str(os.name),
      version_id: str(os.version_id),
      family: str(os.family),
      supported: bool(os.supported),
      unsupported_reason: str(os.unsupported_reason),
    },
    kernel: str(f.kernel),
    arch: str(f.arch),
    hostname: str(f.hostname),
    cpus: num(f.cpus),
    memory_bytes: num(f.memory_bytes),
    memory_available_bytes: num(f.memory_available_bytes),
    swap_on: bool(f.swap_on),
    swap_bytes: num(f.swap_bytes),
    disks: list(f.disks).map((d) => ({ name: str(d.name) ?? '', size_bytes: num(d.size_bytes) ?? 0 })),
    root_free_bytes: num(f.root_free_bytes),
    var_free_bytes: num(f.var_free_bytes),
    addresses: list(f.addresses).map((a) => ({
      interface: str(a.interface) ?? '',
      address: str(a.address) ?? '',
      prefix: num(a.prefix) ?? 0,
      family: str(a.family) ?? '',
    })),
    ports_in_use: list(f.ports_in_use).map((p) => ({
      protocol: str(p.protocol) ?? '',
      port: num(p.port) ?? 0,
      purpose: str(p.purpose) ?? '',
    })),
    time_offset_ms: num(f.time_offset_ms),
  };
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

/** 17179869184 → "16 GiB"; one decimal below 10 units. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null) return '';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value < 10 && unit > 0 ? 1 : 0;
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${UNITS[unit]}`;
}

/** A clock more than this far from ours breaks etcd and certificates: shown as a warning. */
export const TIME_OFFSET_WARN_MS = 1000;
