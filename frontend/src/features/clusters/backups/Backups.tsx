import { DeleteOutlined, HistoryOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Empty, Popconfirm, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { useFormatTime } from '../../../app/format';
import { HoverTooltip } from '../../../app/HoverTooltip';
import { QueryError } from '../../../app/QueryError';
import { formatBytes } from '../../hosts/facts';
import { clusterKey, type Cluster } from '../api';
import { afterOperation } from '../certificates/certificates';
import { OperationProgress } from '../StatusTag';
import { BACKUP_PAGE_SIZE, backupsKey, restoresKey, useBackups, useDeleteBackup, useFollowedOperation, useRestores, type Backup, type Restore } from './api';
import { BACKUP_COLOR, backupBlocked, followedOperation, restorable, RESTORE_COLOR, shortSha, toRef } from './backups';
import { BackUpNow } from './BackUpNow';
import { RestoreDialog } from './RestoreDialog';
import { StrategyForm } from './StrategyForm';

type Props = { cluster: Pick<Cluster, 'id' | 'name' | 'project_id' | 'status' | 'operation'> };

/**
 * The backups tab: the cluster's backups newest first, Back up now, Delete, Restore (good ones), the
 * restores, and the schedule. A backup or restore runs as an operation: its progress shows here (the
 * one just started, or the newest still running) and the lists are read again when it ends.
 */
export function Backups({ cluster }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const me = useMe().data;
  const blocked = backupBlocked(me, cluster);
  const writer = blocked !== 'readOnly';
  const [page, setPage] = useState(1);
  const [restorePage, setRestorePage] = useState(1);
  const backups = useBackups(cluster.id, (page - 1) * BACKUP_PAGE_SIZE);
  const restores = useRestores(cluster.id, (restorePage - 1) * BACKUP_PAGE_SIZE);
  const remove = useDeleteBackup();
  const [restoring, setRestoring] = useState<Backup | null>(null);
  const [started, setStarted] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const opId = followedOperation(started, backups.data?.items ?? [], restores.data?.items ?? []);
  const operation = useFollowedOperation(opId);
  const op = operation.data ? toRef(operation.data) : null;
  const watched = useRef<string | null>(null);
  const status = op?.status ?? null;
  useEffect(() => {
    const next = afterOperation(watched.current, opId && status ? { id: opId, status } : null);
    watched.current = next.watch;
    if (next.refetch) {
      void queryClient.invalidateQueries({ queryKey: backupsKey(cluster.id) });
      void queryClient.invalidateQueries({ queryKey: restoresKey(cluster.id) });
      void queryClient.invalidateQueries({ queryKey: clusterKey(cluster.id) });
    }
  }, [opId, status, cluster.id, queryClient]);

  const follow = (operationId: string | null) => {
    setStarted(operationId);
    setPage(1);
    setRestorePage(1);
  };
  const deleteBackup = (b: Backup) => {
    setError(null);
    remove.mutate(
      { clusterId: cluster.id, backupId: b.id },
      { onSuccess: () => void message.success(t('backups.deleted')), onError: (e) => setError(describeError(t, e)) },
    );
  };

  const restoreReason = blocked === 'busy' || blocked === 'notRunning' ? t(`backups.${blocked}`) : null;
  const columns: TableColumnsType<Backup> = [
    {
      title: t('backups.statusCol'),
      dataIndex: 'status',
      render: (s: Backup['status']) => (
        <Tag color={BACKUP_COLOR[s]} data-testid="backup-status" data-status={s}>
          {t(`backups.status.${s}`)}
        </Tag>
      ),
    },
    { title: t('backups.created'), dataIndex: 'created_at', render: (v: string) => formatTime(v) },
    { title: t('backups.completed'), dataIndex: 'completed_at', render: (v: string | null) => formatTime(v) || '—' },
    { title: t('backups.size'), dataIndex: 'size', render: (v: number | null) => <span data-testid="backup-size">{v == null ? '—' : formatBytes(v)}</span> },
    { title: t('backups.revision'), dataIndex: 'revision', render: (v: number | null) => v ?? '—' },
    { title: t('backups.keys'), dataIndex: 'total_keys', render: (v: number | null) => v ?? '—' },
    {
      title: t('backups.sha256'),
      dataIndex: 'sha256',
      render: (sha: string | null) =>
        sha ? (
          <HoverTooltip title={sha}>
            <Typography.Text code copyable={{ text: sha }} data-testid="backup-sha">
              {shortSha(sha)}
            </Typography.Text>
          </HoverTooltip>
        ) : (
          '—'
        ),
    },
    { title: t('backups.member'), dataIndex: 'member', render: (v: string | null) => v ?? '—' },
    { title: t('backups.version'), dataIndex: 'kubernetes_version', render: (v: string | null) => v ?? '—' },
    { title: t('backups.trigger'), dataIndex: 'trigger', render: (v: Backup['trigger']) => t(`backups.triggers.${v}`) },
    {
      title: t('backups.message'),
      dataIndex: 'message',
      render: (v: string, b) => <Typography.Text type={b.status === 'failed' ? 'danger' : 'secondary'}>{v}</Typography.Text>,
    },
    ...(writer
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, b: Backup) => {
              const why = !restorable(b) ? t('backups.restoreOnlyGood') : restoreReason;
              const restoreButton = (
                <Button size="small" type="text" icon={<HistoryOutlined />} disabled={!!why} onClick={() => setRestoring(b)} data-testid={`backup-restore-${b.id}`}>
                  {t('backups.restore')}
                </Button>
              );
              const deleteButton = (
                <Button size="small" type="text" danger icon={<DeleteOutlined />} disabled={b.status === 'running'} data-testid={`backup-delete-${b.id}`}>
                  {t('backups.delete')}
                </Button>
              );
              return (
                <Space size={4}>
                  {why ? <Tooltip title={why}>{restoreButton}</Tooltip> : restoreButton}
                  {b.status === 'running' ? (
                    <Tooltip title={t('backups.deleteRunning')}>{deleteButton}</Tooltip>
                  ) : (
                    <Popconfirm title={t('backups.deleteConfirm')} okText={t('backups.delete')} cancelText={t('common.cancel')} okButtonProps={{ danger: true }} onConfirm={() => deleteBackup(b)}>
                      {deleteButton}
                    </Popconfirm>
                  )}
                </Space>
              );
            },
          },
        ]
      : []),
  ];

  const restoreColumns: TableColumnsType<Restore> = [
    {
      title: t('backups.statusCol'),
      dataIndex: 'status',
      render: (s: Restore['status']) => (
        <Tag color={RESTORE_COLOR[s]} data-testid="restore-status" data-status={s}>
          {t(`operations.status.${s}`)}
        </Tag>
      ),
    },
    { title: t('backups.created'), dataIndex: 'created_at', render: (v: string) => formatTime(v) },
    { title: t('backups.completed'), dataIndex: 'completed_at', render: (v: string | null) => formatTime(v) || '—' },
    { title: t('backups.backupCol'), dataIndex: 'backup_id', render: (v: string) => <Typography.Text code>{v.slice(0, 8)}</Typography.Text> },
    {
      title: t('backups.message'),
      dataIndex: 'message',
      render: (v: string, r) => <Typography.Text type={r.status === 'failed' ? 'danger' : 'secondary'}>{v}</Typography.Text>,
    },
    {
      title: t('common.actions'),
      key: 'op',
      render: (_, r) =>
        r.operation_id && (
          <Link to={`/clusters/${cluster.id}/operations/${r.operation_id}`} data-testid={`restore-open-${r.id}`}>
            {t('operations.viewEvents')}
          </Link>
        ),
    },
  ];

  if (backups.isError) return <QueryError error={backups.error} />;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="cluster-backups">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Text type="secondary">{t('backups.intro')}</Typography.Text>
        {writer && <BackUpNow cluster={cluster} blocked={blocked} onStarted={(b) => follow(b.operation_id)} />}
      </Space>
      {op && op.status !== 'succeeded' && (
        <Link to={`/clusters/${cluster.id}/operations/${op.id}`} style={{ display: 'block', maxWidth: 480 }} data-testid="backup-operation" title={t('backups.follow')}>
          <OperationProgress operation={op} />
        </Link>
      )}
      {error && <Alert type="error" showIcon title={error} closable={{ onClose: () => setError(null) }} data-testid="backups-error" />}
      <Table<Backup>
        rowKey="id"
        size="small"
        data-testid="backups-table"
        loading={backups.isLoading}
        columns={columns}
        dataSource={backups.data?.items ?? []}
        scroll={{ x: 'max-content' }}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t(writer ? 'backups.emptyWriter' : 'backups.empty')} /> }}
        pagination={{ current: page, pageSize: BACKUP_PAGE_SIZE, total: backups.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
      />
      <StrategyForm cluster={cluster} writer={writer} />
      <Typography.Title level={5} style={{ margin: 0 }}>
        {t('backups.restores')}
      </Typography.Title>
      {restores.isError ? (
        <QueryError error={restores.error} />
      ) : (
        <Table<Restore>
          rowKey="id"
          size="small"
          data-testid="restores-table"
          loading={restores.isLoading}
          columns={restoreColumns}
          dataSource={restores.data?.items ?? []}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('backups.restoresEmpty')} /> }}
          pagination={{ current: restorePage, pageSize: BACKUP_PAGE_SIZE, total: restores.data?.total ?? 0, onChange: setRestorePage, hideOnSinglePage: true }}
        />
      )}
      {restoring && <RestoreDialog cluster={cluster} backup={restoring} onClose={() => setRestoring(null)} onStarted={(r) => follow(r.operation_id)} />}
    </Space>
  );
}
