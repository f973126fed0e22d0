import { ColumnHeightOutlined, DeleteOutlined, RedoOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Space, Table, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { describeError } from '../../app/errors';
import { useFormatTime } from '../../app/format';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { ProviderTag } from '../cloud/ProviderTag';
import { usePlans } from '../plans/api';
import { useAllRegions } from '../regions/api';
import { isBusy, useRetryWorkspace, useWorkspaces, type Workspace } from './api';
import { DeleteWorkspaceDialog } from './DeleteWorkspace';
import { ScaleDialog } from './ScaleDialog';
import { WorkspaceStatusTag } from './StatusTag';
import { VmTable } from './VmTable';

const PAGE_SIZE = 20;

type Dialog = { kind: 'scale' | 'delete'; workspace: Workspace } | null;

/** A button that says why it is disabled. */
function Action({ why, children }: { why: string | null; children: ReactNode }) {
  return why ? <Tooltip title={why}>{children}</Tooltip> : children;
}

/**
 * The project's workspaces: the VMs made from a plan, most of them a cluster's (`cluster_id`; the
 * deployment service names the workspace after its cluster). Project managers scale, retry and delete
 * a workspace of no cluster; a cluster's VMs change with the cluster (its deploy, its deletion, and
 * the API refuses the rest), so here they only link to it.
 */
export default function WorkspaceList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const writer = current.canWrite;
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<Dialog>(null);
  const query = useWorkspaces(projectId, (page - 1) * PAGE_SIZE, PAGE_SIZE);
  const plans = usePlans({ projectId, limit: 200, offset: 0 });
  const regions = useAllRegions(projectId);
  const retry = useRetryWorkspace();

  /** Why a change is refused here, or null. */
  const blocked = (ws: Workspace): string | null => {
    if (ws.cluster_id) return t('workspaces.ofCluster', { name: ws.name });
    if (isBusy(ws)) return t('workspaces.busy');
    if (ws.status === 'destroyed') return t('workspaces.gone');
    return null;
  };

  const onRetry = (ws: Workspace) =>
    retry.mutate(ws.id, {
      onSuccess: () => void message.success(t('workspaces.retried', { name: ws.name })),
      onError: (e) => void message.error(describeError(t, e)),
    });

  const columns: TableColumnsType<Workspace> = [
    {
      title: t('cloud.name'),
      dataIndex: 'name',
      render: (name: string, ws) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          {ws.message && <Typography.Text type={ws.status === 'failed' ? 'danger' : 'secondary'}>{ws.message}</Typography.Text>}
        </Space>
      ),
    },
    { title: t('workspaces.statusCol'), dataIndex: 'status', render: (_, ws) => <WorkspaceStatusTag workspace={ws} /> },
    {
      title: t('plans.region'),
      dataIndex: 'region_id',
      render: (id: string, ws) => (
        <Space size={4}>
          <span>{regions.data?.items.find((r) => r.id === id)?.name ?? id}</span>
          <ProviderTag provider={ws.provider} />
        </Space>
      ),
    },
    { title: t('provisioning.plan'), dataIndex: 'plan_id', render: (id: string) => plans.data?.items.find((p) => p.id === id)?.name ?? id },
    {
      title: t('workspaces.vmsCol'),
      key: 'vms',
      render: (_, ws) =>
        t('workspaces.vmCount', {
          count: ws.vms.length,
          masters: ws.vms.filter((v) => v.role === 'master').length,
          workers: ws.vms.filter((v) => v.role === 'worker').length,
        }),
    },
    {
      title: t('workspaces.clusterCol'),
      key: 'cluster',
      render: (_, ws) =>
        ws.cluster_id ? (
          <Link to={`/clusters/${ws.cluster_id}`} data-testid={`workspace-cluster-${ws.name}`}>
            {ws.name}
          </Link>
        ) : (
          <Typography.Text type="secondary">{t('workspaces.noCluster')}</Typography.Text>
        ),
    },
    { title: t('common.updatedAt'), dataIndex: 'updated_at', render: (v: string) => formatTime(v) },
  ];
  if (writer) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      render: (_, ws) => {
        const why = blocked(ws);
        const retryWhy = why ?? (ws.status === 'failed' ? null : t('workspaces.retryOnlyFailed'));
        return (
          <Space size={0}>
            <Action why={why}>
              <Button
                size="small"
                type="text"
                icon={<ColumnHeightOutlined />}
                aria-label={t('workspaces.scaleOf', { name: ws.name })}
                disabled={!!why}
                onClick={() => setDialog({ kind: 'scale', workspace: ws })}
                data-testid={`workspace-scale-${ws.name}`}
              />
            </Action>
            <Action why={retryWhy}>
              <Button
                size="small"
                type="text"
                icon={<RedoOutlined />}
                aria-label={t('workspaces.retryOf', { name: ws.name })}
                disabled={!!retryWhy}
                loading={retry.isPending && retry.variables === ws.id}
                onClick={() => onRetry(ws)}
                data-testid={`workspace-retry-${ws.name}`}
              />
            </Action>
            <Action why={why}>
              <Button
                size="small"
                type="text"
                danger
                icon={<DeleteOutlined />}
                aria-label={t('workspaces.deleteOf', { name: ws.name })}
                disabled={!!why}
                onClick={() => setDialog({ kind: 'delete', workspace: ws })}
                data-testid={`workspace-delete-${ws.name}`}
              />
            </Action>
          </Space>
        );
      },
    });
  }

  return (
    <Card title={t('workspaces.title')}>
      <Typography.Paragraph type="secondary">{t('workspaces.intro')}</Typography.Paragraph>
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : query.isError ? (
        <QueryError error={query.error} />
      ) : (
        <Table<Workspace>
          rowKey="id"
          data-testid="workspace-table"
          loading={query.isLoading || current.isLoading}
          columns={columns}
          dataSource={query.data?.items ?? []}
          expandable={{ expandedRowRender: (ws) => <VmTable vms={ws.vms} /> }}
          locale={{
            emptyText: (
              <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('workspaces.empty')} data-testid="workspaces-empty">
                {writer && <Link to="/clusters/new">{t('workspaces.emptyAction')}</Link>}
              </Empty>
            ),
          }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: query.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {dialog?.kind === 'scale' && <ScaleDialog workspace={dialog.workspace} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'delete' && <DeleteWorkspaceDialog workspace={dialog.workspace} onClose={() => setDialog(null)} />}
    </Card>
  );
}
