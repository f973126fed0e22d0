import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Empty, Popconfirm, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { QueryError } from '../../app/QueryError';
import { useClusters } from '../clusters/api';
import { useChannels } from '../notifications/api';
import { useDeleteRoute, useRoutes, useRuleTitle, type Route } from './api';
import { RouteForm } from './RouteForm';
import type { Scope } from './scope';
import { SeverityTag } from './SeverityTag';

const PAGE_SIZE = 20;
const OPTIONS = 200;

/** The alert routes of the project shown, by name; managers create, edit and delete them. */
export function RouteList({ scope }: { scope: Scope }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const ruleTitle = useRuleTitle();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Route | undefined>();
  const [formOpen, setFormOpen] = useState(false);
  const list = useRoutes({ projectId: scope.projectId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, scope.ready);
  const channels = useChannels({ projectId: scope.projectId, limit: OPTIONS, offset: 0 }, scope.ready);
  const clusters = useClusters(scope.projectId, 0, OPTIONS);
  const channelName = new Map((channels.data?.items ?? []).map((c) => [c.id, c.name]));
  const clusterName = new Map((clusters.data?.items ?? []).map((c) => [c.id, c.name]));
  const remove = useDeleteRoute();

  const openForm = (route?: Route) => {
    setEditing(route);
    setFormOpen(true);
  };
  const tags = (ids: string[], name: (id: string) => string, all: string) =>
    ids.length ? (
      <Space size={[4, 4]} wrap>
        {ids.map((id) => (
          <Tag key={id}>{name(id)}</Tag>
        ))}
      </Space>
    ) : (
      <Typography.Text type="secondary">{all}</Typography.Text>
    );

  const columns: TableColumnsType<Route> = [
    { title: t('routes.name'), dataIndex: 'name', render: (n: string) => <Typography.Text strong>{n}</Typography.Text> },
    { title: t('routes.channels'), dataIndex: 'channel_ids', render: (ids: string[]) => tags(ids, (id) => channelName.get(id) ?? id, '—') },
    { title: t('routes.rules'), dataIndex: 'rules', render: (ids: string[]) => tags(ids, ruleTitle, t('routes.allRules')) },
    { title: t('routes.minSeverity'), dataIndex: 'min_severity', render: (s: Route['min_severity']) => <SeverityTag severity={s} /> },
    { title: t('routes.clusters'), dataIndex: 'cluster_ids', render: (ids: string[]) => tags(ids, (id) => clusterName.get(id) ?? id, t('routes.allClusters')) },
    { title: t('routes.sendResolved'), dataIndex: 'send_resolved', render: (on: boolean) => (on ? t('routes.yes') : t('routes.no')) },
    {
      title: t('routes.enabled'),
      dataIndex: 'enabled',
      render: (on: boolean) => (on ? <Tag color="green">{t('routes.enabledOn')}</Tag> : <Tag>{t('routes.enabledOff')}</Tag>),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, r) =>
        scope.canWriteIn(r.project_id) && (
          <Space>
            <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => openForm(r)} />
            <Popconfirm
              title={t('routes.deleteConfirm', { name: r.name })}
              okText={t('common.delete')}
              cancelText={t('common.cancel')}
              okButtonProps={{ danger: true }}
              onConfirm={() =>
                remove.mutateAsync(r.id).then(
                  () => void message.success(t('routes.deleted', { name: r.name })),
                  (error: unknown) => void message.error(describeError(t, error)),
                )
              }
            >
              <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
            </Popconfirm>
          </Space>
        ),
    },
  ];

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }}>
        <Typography.Text type="secondary">{t('routes.intro')}</Typography.Text>
        {scope.canCreate && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm()} data-testid="route-create">
            {t('routes.create')}
          </Button>
        )}
      </Space>
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Route>
          rowKey="id"
          size="small"
          data-testid="routes-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('routes.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {formOpen && (
        <RouteForm
          projects={scope.writable}
          projectId={scope.projectId && scope.canWriteIn(scope.projectId) ? scope.projectId : scope.writable[0]?.id}
          route={editing}
          onClose={() => setFormOpen(false)}
        />
      )}
    </Space>
  );
}
