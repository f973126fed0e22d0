// Fixtures of the alerts tests, as the API returns them.
import type { Schemas } from '../../api';
import { PROJECT_ID } from '../../test/fixtures';
import type { Alert, Route, Rule, Silence } from './api';

export const RULES: Rule[] = [
  { id: 'node-not-ready', severity: 'critical', title: { en: 'Node not ready', zh: '节点未就绪' }, description: { en: '', zh: '' } },
  { id: 'pod-crash-looping', severity: 'warning', title: { en: 'Pod crash-looping', zh: 'Pod 反复崩溃' }, description: { en: '', zh: '' } },
];

export function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    id: 'a-1',
    rule: 'node-not-ready',
    project_id: PROJECT_ID,
    cluster_id: 'k-1',
    cluster_name: 'prod-1',
    subject: 'worker-1',
    severity: 'critical',
    message: 'Node worker-1 is not ready: kubelet stopped posting status.',
    status: 'firing',
    started_at: '2026-01-04T00:00:00Z',
    last_seen_at: '2026-01-04T00:10:00Z',
    resolved_at: null,
    count: 7,
    silenced: false,
    ...overrides,
  };
}

export function silence(overrides: Partial<Silence> = {}): Silence {
  return {
    id: 's-1',
    project_id: PROJECT_ID,
    rule: 'pod-crash-looping',
    cluster_id: 'k-1',
    subject: 'shop/web-1',
    starts_at: '2026-01-04T00:00:00Z',
    ends_at: '2099-01-04T04:00:00Z',
    comment: 'known bad release',
    created_by: 'alice',
    created_at: '2026-01-04T00:00:00Z',
    state: 'active',
    ...overrides,
  };
}

export function route(overrides: Partial<Route> = {}): Route {
  return {
    id: 'r-1',
    project_id: PROJECT_ID,
    name: 'ops-critical',
    channel_ids: ['ch-1'],
    rules: [],
    min_severity: 'critical',
    cluster_ids: [],
    send_resolved: true,
    enabled: true,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

export function channel(overrides: Partial<Schemas['ChannelOut']> = {}): Schemas['ChannelOut'] {
  return {
    id: 'ch-1',
    project_id: PROJECT_ID,
    name: 'ops-dingtalk',
    description: '',
    kind: 'dingtalk',
    language: 'zh',
    enabled: true,
    rate_limit_per_minute: 20,
    rate_limit_is_default: true,
    config: {},
    masked: { url: 'https://oapi.dingtalk.com/…' },
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}
