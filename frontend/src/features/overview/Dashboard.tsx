// The overview's project picture: clusters by status, recent operations, host health. Real counts
// from the API (a page of one per status: its `total`); the app's live stream invalidates the
// clusters, operations and hosts caches, so these follow without a reload.
import { CloudServerOutlined, KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Empty, Row, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call } from '../../api';
import { useFormatTime } from '../../app/format';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { CLUSTER_STATUSES, useClusters, type ClusterStatus, type Operation } from '../clusters/api';
import { clustersKey, operationsKey } from '../clusters/live';
import { ClusterStatusTag, OperationProgress } from '../clusters/StatusTag';
import { hostsKey } from '../hosts/live';

const HOST_STATUSES = ['ready', 'unreachable', 'auth_failed', 'no_root', 'host_key_changed', 'error'] as const;
type HostStatus = (typeof HOST_STATUSES)[number];
const HOST_COLOR: Record<HostStatus, string> = {
  ready: 'green',
  unreachable: 'red',
  auth_failed: 'red',
  no_root: 'orange',
  host_key_changed: 'magenta',
  error: 'red',
};
const RECENT = 8;

function useClusterCounts(projectId: string | undefined) {
  return useQueries({
    queries: [undefined, ...CLUSTER_STATUSES].map((status) => ({
      queryKey: [...clustersKey, 'count', projectId, status ?? 'all'],
      queryFn: () => call(api.GET('/api/v1/clusters', { params: { query: { project_id: projectId, status, limit: 1 } } })),
      enabled: !!projectId,
    })),
  });
}

function useHostCounts(projectId: string | undefined) {
  return useQueries({
    queries: [undefined, ...HOST_STATUSES].map((status) => ({
      queryKey: [...hostsKey, 'count', projectId, status ?? 'all'],
      queryFn: () => call(api.GET('/api/v1/hosts', { params: { query: { project_id: projectId, status, limit: 1 } } })),
      enabled: !!projectId,
    })),
  });
}

function CountTag({ status, count, color, label, to }: { status: string; count: number; color: string; label: string; to: string }) {
  return (
    <Link to={to} data-status={status} data-count={count}>
      <Tag color={color} style={{ fontSize: 14, padding: '4px 10px' }}>
        {label} <strong>{count}</strong>
      </Tag>
    </Link>
  );
}

export function ClusterSummary() {
  const { t } = useTranslation();
  const current = useCurrentProject();
  const counts = useClusterCounts(current.project?.id);
  const [all, ...byStatus] = counts;
  const failed = counts.find((q) => q.isError);
  const loading = current.isLoading || counts.some((q) => q.isLoading);
  return (
    <Card
      title={t('dashboard.clusters', { project: current.project?.name ?? '–' })}
      extra={<Link to="/clusters">{t('overview.view')}</Link>}
      loading={loading}
      data-testid="overview-clusters"
    >
      {failed ? (
        <QueryError error={failed.error} />
      ) : all?.data?.total === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={current.canWrite ? t('dashboard.noClusters') : t('dashboard.noClustersReader')} data-testid="overview-clusters-empty">
          {current.canWrite && (
            <Link to="/clusters/new">
              <Button type="primary" icon={<PlusOutlined />}>
                {t('clusters.create')}
              </Button>
            </Link>
          )}
        </Empty>
      ) : (
        <Space orientation="vertical" size="middle">
          <Typography.Text type="secondary">{t('dashboard.clusterTotal', { count: all?.data?.total ?? 0 })}</Typography.Text>
          <Space wrap size={[8, 8]}>
            {CLUSTER_STATUSES.map((status: ClusterStatus, i) => {
              const count = byStatus[i]?.data?.total ?? 0;
              return count > 0 ? (
                <CountTag key={status} status={status} count={count} color={statusColor(status)} label={t(`clusters.status.${status}`)} to="/clusters" />
              ) : null;
            })}
          </Space>
        </Space>
      )}
    </Card>
  );
}

function statusColor(status: ClusterStatus): string {
  return { running: 'green', failed: 'red', lost: 'magenta', terminating: 'orange', waiting: 'default' }[status as string] ?? 'processing';
}

export function HostHealth() {
  const { t } = useTranslation();
  const current = useCurrentProject();
  const counts = useHostCounts(current.project?.id);
  const [all, ...byStatus] = counts;
  const failed = counts.find((q) => q.isError);
  const loading = current.isLoading || counts.some((q) => q.isLoading);
  const total = all?.data?.total ?? 0;
  const known = byStatus.reduce((sum, q) => sum + (q.data?.total ?? 0), 0);
  return (
    <Card
      title={t('dashboard.hosts', { project: current.project?.name ?? '–' })}
      extra={<Link to="/inventory/hosts">{t('overview.view')}</Link>}
      loading={loading}
      data-testid="overview-hosts"
    >
      {failed ? (
        <QueryError error={failed.error} />
      ) : total === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={current.canWrite ? t('dashboard.noHosts') : t('dashboard.noHostsReader')} data-testid="overview-hosts-empty">
          {current.canWrite && (
            <Space>
              <Link to="/inventory/credentials">
                <Button icon={<KeyOutlined />}>{t('nav.credentials')}</Button>
              </Link>
              <Link to="/inventory/hosts">
                <Button type="primary" icon={<CloudServerOutlined />}>
                  {t('nav.hosts')}
                </Button>
              </Link>
            </Space>
          )}
        </Empty>
      ) : (
        <Space orientation="vertical" size="middle">
          <Typography.Text type="secondary">{t('dashboard.hostTotal', { count: total })}</Typography.Text>
          <Space wrap size={[8, 8]}>
            {HOST_STATUSES.map((status, i) => {
              const count = byStatus[i]?.data?.total ?? 0;
              return count > 0 ? (
                <CountTag key={status} status={status} count={count} color={HOST_COLOR[status]} label={t(`hosts.status.${status}`)} to="/inventory/hosts" />
              ) : null;
            })}
            {total > known && <CountTag status="unchecked" count={total - known} color="default" label={t('dashboard.unchecked')} to="/inventory/hosts" />}
          </Space>
          {total > (byStatus[0]?.data?.total ?? 0) && <Typography.Text type="warning">{t('dashboard.hostsAttention')}</Typography.Text>}
        </Space>
      )}
    </Card>
  );
}

export function RecentOperations() {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const operations = useQuery({
    queryKey: [...operationsKey, 'recent', projectId],
    queryFn: () => call(api.GET('/api/v1/operations', { params: { query: { project_id: projectId, limit: RECENT } } })),
    enabled: !!projectId,
  });
  // Names of the clusters (an operation names its cluster by id; a deleted cluster's is gone).
  const clusters = useClusters(projectId, 0, 200);
  const byId = new Map((clusters.data?.items ?? []).map((c) => [c.id, c]));

  const columns: TableColumnsType<Operation> = [
    {
      title: t('dashboard.cluster'),
      key: 'cluster',
      render: (_, op) => {
        const c = op.cluster_id ? byId.get(op.cluster_id) : undefined;
        return c ? (
          <Space size={4}>
            <Link to={`/clusters/${c.id}`}>{c.name}</Link>
            <ClusterStatusTag cluster={c} />
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('dashboard.clusterGone')}</Typography.Text>
        );
      },
    },
    {
      title: t('operations.kindCol'),
      key: 'progress',
      width: 320,
      render: (_, op) => (
        <Link to={`/clusters/${op.cluster_id ?? ''}/operations/${op.id}`} style={{ display: 'block' }} data-testid={`overview-operation-${op.id}`}>
          <OperationProgress
            operation={{
              id: op.id,
              kind: op.kind,
              status: op.status,
              phase: op.phases.find((p) => p.status === 'running' || p.status === 'failed')?.name ?? null,
              phases_done: op.phases.filter((p) => p.status === 'succeeded').length,
              phases_total: op.phases.length,
            }}
          />
        </Link>
      ),
    },
    { title: t('dashboard.by'), dataIndex: 'created_by' },
    { title: t('operations.started'), key: 'started', render: (_, op) => formatTime(op.started_at ?? op.created_at) },
  ];

  return (
    <Card title={t('dashboard.operations', { project: current.project?.name ?? '–' })} data-testid="overview-operations">
      {operations.isError ? (
        <QueryError error={operations.error} />
      ) : (
        <Table<Operation>
          rowKey="id"
          size="small"
          pagination={false}
          loading={operations.isLoading || current.isLoading}
          columns={columns}
          dataSource={operations.data?.items ?? []}
          locale={{
            emptyText: (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('dashboard.noOperations')} data-testid="overview-operations-empty" />
            ),
          }}
        />
      )}
    </Card>
  );
}

/** The three project cards, side by side on wide screens. */
export function ProjectDashboard() {
  const { t } = useTranslation();
  const current = useCurrentProject();
  if (!current.isLoading && !current.project) {
    return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />;
  }
  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <ClusterSummary />
      </Col>
      <Col xs={24} lg={12}>
        <HostHealth />
      </Col>
      <Col xs={24}>
        <RecentOperations />
      </Col>
    </Row>
  );
}
