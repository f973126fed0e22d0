// The wizard's advanced settings: kubelet, kube-proxy and containerd blocks as JSON text, and the
// control-plane components' extra flags as `name=value` lines; what the API gets from them.
import type { Schemas } from '../../../api';

export type AdvancedSpec = Schemas['AdvancedSpec'];
export const COMPONENTS = ['apiserver', 'controller_manager', 'scheduler'] as const;
export type Component = (typeof COMPONENTS)[number];
export const BLOCKS = ['kubelet_config', 'kube_proxy_config', 'containerd_config'] as const;
export type Block = (typeof BLOCKS)[number];

export interface AdvancedValues {
  kubelet_config: string;
  kube_proxy_config: string;
  containerd_config: string;
  control_plane_args: Record<Component, string>;
}

export const ADVANCED_DEFAULTS: AdvancedValues = {
  kubelet_config: '',
  kube_proxy_config: '',
  containerd_config: '',
  control_plane_args: { apiserver: '', controller_manager: '', scheduler: '' },
};

/** The API's field names of the section's inputs (its errors land on these). */
export const ADVANCED_FIELDS = [...BLOCKS.map((b) => `advanced.${b}`), ...COMPONENTS.map((c) => `advanced.control_plane_args.${c}`)];

/** The i18n key of each part's label. */
export const ADVANCED_LABEL = {
  kubelet_config: 'wizard.advanced.kubelet',
  kube_proxy_config: 'wizard.advanced.kubeProxy',
  containerd_config: 'wizard.advanced.containerd',
  apiserver: 'wizard.advanced.apiserver',
  controller_manager: 'wizard.advanced.controllerManager',
  scheduler: 'wizard.advanced.scheduler',
} as const;

export type ParseError = { kind: 'badJson'; detail: string } | { kind: 'notObject' } | { kind: 'badFlag'; line: number };

/** A JSON object from the text (empty text: {}), or why not. */
export function parseObject(text: string | undefined): { value: Record<string, unknown> } | { error: ParseError } {
  if (!text?.trim()) return { value: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { error: { kind: 'badJson', detail: e instanceof Error ? e.message : String(e) } };
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return { error: { kind: 'notObject' } };
  return { value: parsed as Record<string, unknown> };
}

/** `name=value` lines (blank lines skipped; the name as written, the API checks it) as flags. */
export function parseFlags(text: string | undefined): { value: Record<string, string> } | { error: ParseError } {
  const value: Record<string, string> = {};
  const lines = (text ?? '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { error: { kind: 'badFlag', line: i + 1 } };
    value[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { value };
}

const valueOf = <T>(r: { value: T } | { error: ParseError }, empty: T): T => ('value' in r ? r.value : empty);

/** The advanced block of the body (inputs that do not parse are stopped by the step's validation first). */
export function toAdvanced(v: AdvancedValues | undefined): AdvancedSpec {
  const a = v ?? ADVANCED_DEFAULTS;
  const args = a.control_plane_args ?? ADVANCED_DEFAULTS.control_plane_args;
  return {
    kubelet_config: valueOf(parseObject(a.kubelet_config), {}),
    kube_proxy_config: valueOf(parseObject(a.kube_proxy_config), {}),
    containerd_config: valueOf(parseObject(a.containerd_config), {}),
    control_plane_args: {
      apiserver: valueOf(parseFlags(args.apiserver), {}),
      controller_manager: valueOf(parseFlags(args.controller_manager), {}),
      scheduler: valueOf(parseFlags(args.scheduler), {}),
    },
  };
}

/** The non-empty parts of an advanced block, for the review and the cluster's detail. */
export function advancedParts(a: Partial<AdvancedSpec> | undefined | null): { key: Block | Component; text: string }[] {
  if (!a) return [];
  const parts: { key: Block | Component; text: string }[] = [];
  for (const b of BLOCKS) {
    const block = a[b];
    if (block && Object.keys(block).length) parts.push({ key: b, text: JSON.stringify(block, null, 2) });
  }
  for (const c of COMPONENTS) {
    const flags = a.control_plane_args?.[c];
    if (flags && Object.keys(flags).length) {
      parts.push({ key: c, text: Object.entries(flags).map(([k, v]) => `--${k}=${v}`).join('\n') });
    }
  }
  return parts;
}
