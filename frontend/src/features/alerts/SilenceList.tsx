import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Empty, Popconfirm, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { useFormatTime } from '../../app/format';
import { QueryError } from '../../app/QueryError';
import { useClusters } from '../clusters/api';
import { useExpireSilence, useRuleTitle, useSilences, type Silence } from './api';
import type { Scope } from './scope';
import { SilenceForm } from './SilenceForm';

const PAGE_SIZE = 20;
const STATE_COLORS: Record<Silence['state'], string> = { pending: 'blue', active: 'purple', expired: 'default' };

/** The silences of the project shown, latest end first; managers create and expire them. */
export function SilenceList({ scope }: { scope: Scope }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const ruleTitle = useRuleTitle();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const list = useSilences({ projectId: scope.projectId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, scope.ready);
  const clusters = useClusters(scope.projectId, 0, 200);
  const clusterName = (id: string) => clusters.data?.items.find((c) => c.id === id)?.name ?? id;
  const expire = useExpireSilence();

  const columns: TableColumnsType<Silence> = [
    {
      title: t('silences.state'),
      dataIndex: 'state',
      render: (s: Silence['state']) => <Tag color={STATE_COLORS[s]} data-testid="silence-state">{t(`silences.states.${s}`)}</Tag>,
    },
    {
      title: t('silences.matchers'),
      key: 'matchers',
      render: (_, s) =>
        !s.rule && !s.cluster_id && !s.subject ? (
          <Typography.Text type="secondary">{t('silences.everything')}</Typography.Text>
        ) : (
          <Space size={[4, 4]} wrap>
            {s.rule && <Tag>{t('silences.matcher', { label: t('alerts.rule'), value: ruleTitle(s.rule) })}</Tag>}
            {s.cluster_id && <Tag>{t('silences.matcher', { label: t('alerts.cluster'), value: clusterName(s.cluster_id) })}</Tag>}
            {s.subject && <Tag>{t('silences.matcher', { label: t('alerts.subject'), value: s.subject })}</Tag>}
          </Space>
        ),
    },
    { title: t('silences.starts'), dataIndex: 'starts_at', render: (v: string) => formatTime(v) },
    { title: t('silences.ends'), dataIndex: 'ends_at', render: (v: string) => formatTime(v) },
    { title: t('silences.comment'), dataIndex: 'comment', render: (c: string) => c || '—' },
    { title: t('silences.createdBy'), dataIndex: 'created_by' },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, s) =>
        s.state !== 'expired' &&
        scope.canWriteIn(s.project_id) && (
          <Popconfirm
            title={t('silences.expireConfirm')}
            okText={t('silences.expire')}
            cancelText={t('common.cancel')}
            onConfirm={() =>
              expire.mutateAsync(s.id).then(
                () => void message.success(t('silences.expired')),
                (error: unknown) => void message.error(describeError(t, error)),
              )
            }
          >
            <Button size="small" data-testid={`silence-expire-${s.id}`}>
              {t('silences.expire')}
            </Button>
          </Popconfirm>
        ),
    },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{t('silences.intro')}</Typography.Text>
        {scope.canCreate && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="silence-create">
            {t('silences.create')}
          </Button>
        )}
      </Space>
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Silence>
          rowKey="id"
          size="small"
          data-testid="silences-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('silences.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {creating && (
        <SilenceForm
          projects={scope.writable}
          draft={{ projectId: scope.projectId && scope.canWriteIn(scope.projectId) ? scope.projectId : scope.writable[0]?.id }}
          onClose={() => setCreating(false)}
        />
      )}
    </Space>
  );
}
