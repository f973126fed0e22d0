import { Progress, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useFormatTime } from '../../app/format';
import { HoverTooltip } from '../../app/HoverTooltip';
import type { Cluster, ClusterStatus, OperationRef, OperationStatus } from './api';
import { kindLabel, notReadyFor, phaseLabel } from './format';

const CLUSTER_COLOR: Record<ClusterStatus, string> = {
  waiting: 'default',
  deploying: 'processing',
  running: 'green',
  failed: 'red',
  upgrading: 'processing',
  scaling: 'processing',
  terminating: 'orange',
  lost: 'magenta',
};

const OPERATION_COLOR: Record<OperationStatus, string> = {
  queued: 'default',
  running: 'processing',
  succeeded: 'green',
  failed: 'red',
  cancelled: 'orange',
};

/** The cluster's status, coloured; its sentence in a tooltip. A `failed` cluster whose operation was
 *  cancelled reads "Cancelled": the same condition and ways out (retry, delete), but nothing failed. */
export function ClusterStatusTag({ cluster }: { cluster: Pick<Cluster, 'status' | 'status_message'> & Partial<Pick<Cluster, 'operation'>> }) {
  const { t } = useTranslation();
  const cancelled = cluster.status === 'failed' && cluster.operation?.status === 'cancelled';
  const tag = (
    <Tag
      color={cancelled ? OPERATION_COLOR.cancelled : CLUSTER_COLOR[cluster.status]}
      data-testid="cluster-status"
      data-status={cluster.status}
      data-cancelled={cancelled ? 'true' : undefined}
    >
      {cancelled ? t('clusters.cancelledTag') : t(`clusters.status.${cluster.status}`)}
    </Tag>
  );
  return cluster.status_message ? <HoverTooltip title={cluster.status_message}>{tag}</HoverTooltip> : tag;
}

export function OperationStatusTag({ status }: { status: OperationStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={OPERATION_COLOR[status]} data-testid="operation-status" data-status={status}>
      {t(`operations.status.${status}`)}
    </Tag>
  );
}

const NODE_COLOR = {
  pending: 'default',
  ready: 'green',
  joining: 'processing',
  removing: 'orange',
  'not-ready': 'red',
  rebuilding: 'processing',
} as const;
type NodeStatus = keyof typeof NODE_COLOR;
const isNodeStatus = (s: string): s is NodeStatus => Object.hasOwn(NODE_COLOR, s);

/**
 * A node's status in the console's language (`joining` while it is added, `removing` while it goes,
 * `not-ready` once the health check has seen it NotReady too long, `rebuilding`); an unknown one as
 * the API names it. A not-ready node also says for how long, the exact time in a tooltip.
 */
export function NodeStatusTag({ status, notReadySince }: { status: string; notReadySince?: string | null }) {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const tag = (
    <Tag color={isNodeStatus(status) ? NODE_COLOR[status] : 'default'} data-testid="node-status" data-status={status}>
      {isNodeStatus(status) ? t(`clusters.nodeStatus.${status}`) : status}
    </Tag>
  );
  if (status !== 'not-ready' || !notReadySince) return tag;
  return (
    <Space size={0}>
      {tag}
      <HoverTooltip title={t('clusters.notReadySince', { time: formatTime(notReadySince) })}>
        <Typography.Text type="danger" data-testid="node-not-ready-for">
          {t('clusters.notReadyFor', { duration: notReadyFor(notReadySince) })}
        </Typography.Text>
      </HoverTooltip>
    </Space>
  );
}

const ACTIVE = new Set(['queued', 'running']);

/** An operation's progress: phases done of all, and the phase running (or the one that failed). */
export function OperationProgress({ operation }: { operation: OperationRef }) {
  const { t } = useTranslation();
  const status = operation.status as OperationStatus;
  const percent = operation.phases_total ? Math.round((operation.phases_done / operation.phases_total) * 100) : 0;
  return (
    <Space orientation="vertical" size={0} style={{ width: '100%', minWidth: 180 }} data-testid="operation-progress">
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {kindLabel(t, operation.kind)}
        {' · '}
        {t('operations.phasesDone', { done: operation.phases_done, total: operation.phases_total })}
        {operation.phase ? ` · ${phaseLabel(t, operation.phase)}` : ''}
      </Typography.Text>
      <Progress
        size="small"
        percent={percent}
        status={status === 'failed' ? 'exception' : status === 'succeeded' ? 'success' : ACTIVE.has(status) ? 'active' : 'normal'}
      />
    </Space>
  );
}
