// The overview's project picture: clusters by status, recent operations, host health. Real data from
// the API (one list each, the split by status counted over its page); the app's live stream
// invalidates the clusters, operations and hosts caches, so these follow without a reload.
import { CloudServerOutlined, KeyOutlined, PlusOutlined } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Button, Card, Col, Empty, Row, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call } from '../../api';
import { useFormatTime } from '../../app/format';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { CLUSTER_STATUSES, useClusters, type ClusterStatus, type Operation } from '../clusters/api';
import { operationsKey } from '../clusters/live';
import { ClusterStatusTag, OperationProgress } from '../clusters/StatusTag';
import { useHosts } from '../hosts/api';

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

const CLUSTER_PAGE = 200; // the API's largest page: counted over it (a note says so beyond)
const HOST_PAGE = 500;

/** Counts by status over one page of the list (`total` is exact; the split is over what the page holds). */
function countBy<T extends { status?: string | null }>(items: T[] | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items ?? []) counts.set(item.status ?? '', (counts.get(item.status ?? '') ?? 0) + 1);
  return counts;
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
  const list = useClusters(current.project?.id, 0, CLUSTER_PAGE);
  const counts = countBy(list.data?.items);
  const total = list.data?.total ?? 0;
  return (
    <Card
      title={t('dashboard.clusters', { project: current.project?.name ?? '–' })}
      extra={<Link to="/clusters">{t('overview.view')}</Link>}
      loading={current.isLoading || list.isLoading}
      data-testid="overview-clusters"
    >
      {list.isError ? (
        <QueryError error={list.error} />
      ) : total === 0 ? (
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
          <Typography.Text type="secondary">{t('dashboard.clusterTotal', { count: total })}</Typography.Text>
          <Space wrap size={[8, 8]}>
            {CLUSTER_STATUSES.map((status: ClusterStatus) => {
              const count = counts.get(status) ?? 0;
              return count > 0 ? (
                <CountTag key={status} status={status} count={count} color={statusColor(status)} label={t(`clusters.status.${status}`)} to="/clusters" />
              ) : null;
            })}
          </Space>
          {total > CLUSTER_PAGE && <Typography.Text type="secondary">{t('dashboard.partial', { count: CLUSTER_PAGE })}</Typography.Text>}
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
  const list = useHosts({ projectId: current.project?.id, limit: HOST_PAGE, offset: 0 }, !!current.project?.id);
  const counts = countBy(list.data?.items);
  const total = list.data?.total ?? 0;
  const counted = list.data?.items.length ?? 0;
  const known = HOST_STATUSES.reduce((sum, status) => sum + (counts.get(status) ?? 0), 0);
  return (
    <Card
      title={t('dashboard.hosts', { project: current.project?.name ?? '–' })}
      extra={<Link to="/inventory/hosts">{t('overview.view')}</Link>}
      loading={current.isLoading || list.isLoading}
      data-testid="overview-hosts"
    >
      {list.isError ? (
        <QueryError error={list.error} />
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
            {HOST_STATUSES.map((status) => {
              const count = counts.get(status) ?? 0;
              return count > 0 ? (
                <CountTag key={status} status={status} count={count} color={HOST_COLOR[status]} label={t(`hosts.status.${status}`)} to="/inventory/hosts" />
              ) : null;
            })}
            {counted > known && <CountTag status="unchecked" count={counted - known} color="default" label={t('dashboard.unchecked')} to="/inventory/hosts" />}
          </Space>
          {counted > (counts.get('ready') ?? 0) && <Typography.Text type="warning">{t('dashboard.hostsAttention')}</Typography.Text>}
          {total > counted && <Typography.Text type="secondary">{t('dashboard.partial', { count: counted })}</Typography.Text>}
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
  const clusters = useClusters(projectId, 0, CLUSTER_PAGE);
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
