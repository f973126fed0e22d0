import { Button, Empty, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../../api';
import { useFormatTime } from '../../app/format';
import { QueryError } from '../../app/QueryError';
import { useClusters } from '../clusters/api';
import { EVENT_TYPES, useKubeEvents, type EventType, type KubeEvent } from './api';
import { FILTER_NAMES, useEventFilters } from './filters';
import { TextFilter } from './TextFilter';

const PAGE_SIZE = 50;
/** The most clusters the cluster filter offers (the clusters API's page limit). */
const CLUSTER_OPTIONS = 200;
const KINDS = ['Pod', 'Node', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Service', 'PersistentVolumeClaim'];

const distinct = (events: KubeEvent[] | undefined, pick: (e: KubeEvent) => string, extra: string[] = []) =>
  [...new Set([...(events ?? []).map(pick), ...extra])].filter(Boolean).sort();

interface Props {
  /** The project whose clusters' events are listed (the top-level page). */
  projectId?: string;
  /** One cluster's events (its detail tab): the cluster filter and column are hidden. */
  clusterId?: string;
}

/**
 * Kubernetes events, newest first, filtered by cluster, namespace, kind, reason, type and text (all
 * kept in the URL). Warnings come in live (live.ts); the rest every 30 s while the page is visible.
 */
export function KubeEvents({ projectId, clusterId }: Props) {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const [filters, setFilters] = useEventFilters();
  const oneCluster = !!clusterId;
  const clusters = useClusters(oneCluster ? undefined : projectId, 0, CLUSTER_OPTIONS);
  const names = new Map((clusters.data?.items ?? []).map((c) => [c.id, c.name]));
  const list = useKubeEvents(
    {
      projectId: oneCluster ? undefined : projectId,
      clusterId: clusterId ?? filters.cluster,
      namespace: filters.namespace,
      kind: filters.kind,
      reason: filters.reason,
      type: filters.type,
      q: filters.q,
      limit: PAGE_SIZE,
      offset: (filters.page - 1) * PAGE_SIZE,
    },
    oneCluster || !!projectId,
  );
  const events = list.data?.items;
  const filtered = FILTER_NAMES.some((name) => name !== 'cluster' && filters[name] !== undefined) || (!oneCluster && !!filters.cluster);

  const columns: TableColumnsType<KubeEvent> = [
    {
      title: t('kubeEvents.lastSeen'),
      dataIndex: 'last_seen',
      width: 180,
      render: (v: string, e) => <span title={t('kubeEvents.firstSeen', { time: formatTime(e.first_seen) })}>{formatTime(v)}</span>,
    },
    ...(oneCluster
      ? []
      : [
          {
            title: t('kubeEvents.cluster'),
            dataIndex: 'cluster_id',
            render: (id: string) => <Link to={`/clusters/${id}`}>{names.get(id) ?? id}</Link>,
          },
        ]),
    {
      title: t('kubeEvents.type'),
      dataIndex: 'type',
      render: (type: string) => (
        <Tag color={type === 'Warning' ? 'orange' : undefined} data-testid="kube-event-type">
          {type === 'Warning' || type === 'Normal' ? t(`kubeEvents.types.${type}`) : type}
        </Tag>
      ),
    },
    { title: t('kubeEvents.namespace'), dataIndex: 'namespace', render: (ns: string) => ns || '—' },
    { title: t('kubeEvents.object'), key: 'object', render: (_, e) => <span title={e.source}>{`${e.kind}/${e.name}`}</span> },
    { title: t('kubeEvents.reason'), dataIndex: 'reason' },
    {
      title: t('kubeEvents.message'),
      dataIndex: 'message',
      render: (m: string) => <span style={{ wordBreak: 'break-word' }}>{m}</span>,
    },
    { title: t('kubeEvents.count'), dataIndex: 'count', align: 'right', width: 80 },
  ];

  const empty = (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={filtered ? t('kubeEvents.emptyFiltered') : oneCluster ? t('kubeEvents.emptyCluster') : t('kubeEvents.empty')}
      data-testid="kube-events-empty"
    />
  );
  // The observability service learns a cluster once it runs: before, its events are simply not known.
  const unknownCluster = oneCluster && list.error instanceof ApiError && list.error.status === 404;

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap data-testid="kube-events-filters">
        {!oneCluster && (
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            style={{ width: 200 }}
            placeholder={t('kubeEvents.allClusters')}
            value={filters.cluster}
            loading={clusters.isLoading}
            options={(clusters.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
            onChange={(cluster?: string) => setFilters({ cluster })}
            data-testid="kube-events-cluster"
          />
        )}
        <TextFilter
          value={filters.namespace}
          onCommit={(namespace) => setFilters({ namespace })}
          placeholder={t('kubeEvents.namespace')}
          suggestions={distinct(events, (e) => e.namespace)}
          testId="kube-events-namespace"
          width={180}
        />
        <TextFilter
          value={filters.kind}
          onCommit={(kind) => setFilters({ kind })}
          placeholder={t('kubeEvents.kind')}
          suggestions={distinct(events, (e) => e.kind, KINDS)}
          testId="kube-events-kind"
          width={160}
        />
        <TextFilter
          value={filters.reason}
          onCommit={(reason) => setFilters({ reason })}
          placeholder={t('kubeEvents.reason')}
          suggestions={distinct(events, (e) => e.reason)}
          testId="kube-events-reason"
          width={160}
        />
        <Select
          allowClear
          style={{ width: 130 }}
          placeholder={t('kubeEvents.allTypes')}
          value={filters.type}
          options={EVENT_TYPES.map((type) => ({ value: type, label: t(`kubeEvents.types.${type}`) }))}
          onChange={(type?: EventType) => setFilters({ type })}
          data-testid="kube-events-type"
        />
        <TextFilter value={filters.q} onCommit={(q) => setFilters({ q })} placeholder={t('kubeEvents.search')} testId="kube-events-search" width={260} />
        {filtered && (
          <Button
            onClick={() => setFilters(Object.fromEntries(FILTER_NAMES.map((n) => [n, undefined])))}
            data-testid="kube-events-clear"
          >
            {t('kubeEvents.clear')}
          </Button>
        )}
      </Space>
      {unknownCluster ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('kubeEvents.notWatched')} data-testid="kube-events-unknown" />
      ) : list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<KubeEvent>
          rowKey="id"
          size="small"
          data-testid="kube-events-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={events}
          locale={{ emptyText: empty }}
          pagination={{
            current: filters.page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (total) => t('kubeEvents.total', { total }),
            onChange: (page) => setFilters({ page }),
            hideOnSinglePage: true,
          }}
          footer={() => <Typography.Text type="secondary">{t('kubeEvents.liveHint')}</Typography.Text>}
        />
      )}
    </Space>
  );
}
