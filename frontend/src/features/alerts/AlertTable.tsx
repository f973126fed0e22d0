import { Button, Empty, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFormatTime } from '../../app/format';
import { QueryError } from '../../app/QueryError';
import { useClusters } from '../clusters/api';
import { useAlerts, useRules, useRuleTitle, type Alert, type AlertStatus } from './api';
import { useAlertFilters } from './filters';
import type { Scope } from './scope';
import { SilenceForm, type SilenceDraft } from './SilenceForm';
import { SeverityTag } from './SeverityTag';

const PAGE_SIZE = 50;
/** The most clusters the cluster filter offers (the clusters API's page limit). */
const CLUSTER_OPTIONS = 200;

interface Props {
  scope: Scope;
  /** The History tab: every alert (a status filter), with when it resolved; else the firing ones. */
  history: boolean;
}

/** Alerts newest first, filtered by cluster, rule and (history) status; live (live.ts). */
export function AlertTable({ scope, history }: Props) {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const ruleTitle = useRuleTitle();
  const rules = useRules();
  const [filters, setFilters] = useAlertFilters();
  const [silencing, setSilencing] = useState<SilenceDraft | null>(null);
  const clusters = useClusters(scope.projectId, 0, CLUSTER_OPTIONS);
  const status: AlertStatus | undefined = history ? filters.status : 'firing';
  const list = useAlerts(
    {
      // A cluster implies its project (it may be another than the one shown).
      projectId: filters.cluster_id ? undefined : scope.projectId,
      clusterId: filters.cluster_id,
      rule: filters.rule,
      status,
      limit: PAGE_SIZE,
      offset: (filters.page - 1) * PAGE_SIZE,
    },
    scope.ready,
  );
  const alerts = list.data?.items;
  const clusterNames = new Map([
    ...(alerts ?? []).map((a) => [a.cluster_id, a.cluster_name] as const),
    ...(clusters.data?.items ?? []).map((c) => [c.id, c.name] as const),
  ]);
  const filtered = !!filters.cluster_id || !!filters.rule || (history && !!filters.status);

  const columns: TableColumnsType<Alert> = [
    { title: t('alerts.severity'), dataIndex: 'severity', width: 100, render: (s: Alert['severity']) => <SeverityTag severity={s} /> },
    { title: t('alerts.rule'), dataIndex: 'rule', render: (rule: string) => <span title={rule}>{ruleTitle(rule)}</span> },
    {
      title: t('alerts.cluster'),
      dataIndex: 'cluster_id',
      render: (id: string, a) => <Link to={`/clusters/${id}`}>{a.cluster_name || id}</Link>,
    },
    { title: t('alerts.subject'), dataIndex: 'subject', render: (s: string) => s || '—' },
    { title: t('alerts.message'), dataIndex: 'message', render: (m: string) => <span style={{ wordBreak: 'break-word' }}>{m}</span> },
    ...(history
      ? [
          {
            title: t('alerts.status'),
            dataIndex: 'status',
            render: (s: AlertStatus) => <Tag color={s === 'firing' ? 'red' : 'green'} data-testid="alert-status">{t(`alerts.statuses.${s}`)}</Tag>,
          },
        ]
      : []),
    { title: t('alerts.started'), dataIndex: 'started_at', render: (v: string) => formatTime(v) },
    { title: t('alerts.lastSeen'), dataIndex: 'last_seen_at', render: (v: string) => formatTime(v) },
    { title: t('alerts.count'), dataIndex: 'count', align: 'right', width: 80 },
    {
      title: t('alerts.silenced'),
      dataIndex: 'silenced',
      render: (on: boolean) => (on ? <Tag color="purple" data-testid="alert-silenced">{t('alerts.silencedTag')}</Tag> : null),
    },
    ...(history ? [{ title: t('alerts.resolvedAt'), dataIndex: 'resolved_at', render: (v: string | null) => formatTime(v) || '—' }] : []),
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, a) =>
        a.status === 'firing' &&
        scope.canWriteIn(a.project_id) && (
          <Button
            size="small"
            onClick={() => setSilencing({ projectId: a.project_id, rule: a.rule, clusterId: a.cluster_id, clusterName: a.cluster_name, subject: a.subject })}
            data-testid={`alert-silence-${a.id}`}
          >
            {t('alerts.silence')}
          </Button>
        ),
    },
  ];

  const empty = (
    <Empty
      image={Empty.PRESENTED_IMAGE_SIMPLE}
      description={filtered ? t('alerts.emptyFiltered') : history ? t('alerts.emptyHistory') : t('alerts.emptyFiring')}
      data-testid="alerts-empty"
    />
  );

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space wrap data-testid="alerts-filters">
        <Select
          allowClear
          showSearch={{ optionFilterProp: 'label' }}
          style={{ width: 200 }}
          placeholder={t('alerts.allClusters')}
          value={filters.cluster_id}
          loading={clusters.isLoading}
          options={[...clusterNames].map(([value, label]) => ({ value, label }))}
          onChange={(cluster_id?: string) => setFilters({ cluster_id })}
          data-testid="alerts-cluster"
        />
        <Select
          allowClear
          style={{ width: 220 }}
          placeholder={t('alerts.allRules')}
          value={filters.rule}
          loading={rules.isLoading}
          options={(rules.data ?? []).map((r) => ({ value: r.id, label: ruleTitle(r.id) }))}
          onChange={(rule?: string) => setFilters({ rule })}
          data-testid="alerts-rule"
        />
        {history && (
          <Select
            allowClear
            style={{ width: 150 }}
            placeholder={t('alerts.allStatuses')}
            value={filters.status}
            options={(['firing', 'resolved'] as const).map((s) => ({ value: s, label: t(`alerts.statuses.${s}`) }))}
            onChange={(s?: AlertStatus) => setFilters({ status: s })}
            data-testid="alerts-status"
          />
        )}
        {filtered && (
          <Button onClick={() => setFilters({ cluster_id: undefined, rule: undefined, status: undefined })} data-testid="alerts-clear">
            {t('alerts.clear')}
          </Button>
        )}
      </Space>
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Alert>
          rowKey="id"
          size="small"
          data-testid="alerts-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={alerts}
          locale={{ emptyText: empty }}
          pagination={{
            current: filters.page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            showSizeChanger: false,
            showTotal: (total) => t('alerts.total', { total }),
            onChange: (page) => setFilters({ page }),
            hideOnSinglePage: true,
          }}
          footer={() => <Typography.Text type="secondary">{t('alerts.liveHint')}</Typography.Text>}
        />
      )}
      {silencing && <SilenceForm projects={scope.writable} draft={silencing} onClose={() => setSilencing(null)} />}
    </Space>
  );
}
