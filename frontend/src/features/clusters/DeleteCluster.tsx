import { DeleteOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Input, Modal, Space, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { canWrite, isAdmin } from '../../app/permissions';
import { useDeleteCluster, type Cluster } from './api';

const BUSY = new Set(['queued', 'running']);

interface Props {
  cluster: Pick<Cluster, 'id' | 'name' | 'project_id' | 'operation'>;
  /** A labelled button (the detail page) rather than an icon (a list row). */
  withLabel?: boolean;
  /** Where to go once the cluster is forgotten at once (force): the list. */
  leaveTo?: string;
}

/**
 * Delete a cluster: the confirmation names it and asks for its name. The API answers 202 with the
 * `reset` operation (the hosts are cleaned, then the cluster goes): its live view opens. Admins may
 * instead forget a cluster whose hosts are gone for good (`force`). Hidden from those who cannot write.
 */
export function DeleteCluster({ cluster, withLabel, leaveTo }: Props) {
  const me = useMe().data;
  const [open, setOpen] = useState(false);
  if (!canWrite(me, cluster.project_id)) return null;
  return (
    <>
      <DeleteClusterButton cluster={cluster} withLabel={withLabel} onOpen={() => setOpen(true)} />
      {open && <DeleteClusterDialog cluster={cluster} admin={isAdmin(me)} leaveTo={leaveTo} onClose={() => setOpen(false)} />}
    </>
  );
}

/**
 * The delete button alone, for a list that checked the permission once and mounts one dialog for
 * all its rows (a row then carries no hooks of its own but the translation). Disabled, with the
 * reason in a tooltip, while an operation runs on the cluster.
 */
export function DeleteClusterButton({
  cluster,
  withLabel,
  onOpen,
}: Pick<Props, 'cluster' | 'withLabel'> & { onOpen: () => void }) {
  const { t } = useTranslation();
  const busy = cluster.operation && BUSY.has(cluster.operation.status) ? cluster.operation : null;
  const button = (
    <Button
      danger
      size={withLabel ? 'middle' : 'small'}
      type={withLabel ? 'default' : 'text'}
      icon={<DeleteOutlined />}
      aria-label={t('clusterDelete.action', { name: cluster.name })}
      title={withLabel || busy ? undefined : t('common.delete')}
      disabled={!!busy}
      onClick={onOpen}
      data-testid={withLabel ? 'cluster-delete' : `cluster-delete-${cluster.name}`}
    >
      {withLabel && t('common.delete')}
    </Button>
  );
  // A tooltip only where it explains something: the list would otherwise mount one per row.
  return busy ? <Tooltip title={t('clusterDelete.busy')}>{button}</Tooltip> : button;
}

/** The confirmation, with its mutation: mounted when opened, so a list row carries only its button. */
export function DeleteClusterDialog({
  cluster,
  admin,
  leaveTo,
  onClose,
}: Pick<Props, 'cluster' | 'leaveTo'> & { admin: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const remove = useDeleteCluster();
  const [typed, setTyped] = useState('');
  const [force, setForce] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = () => {
    setError(null);
    remove.mutate(
      { id: cluster.id, force: admin && force },
      {
        onSuccess: (result) => {
          onClose();
          const op = result?.operation;
          if (op) {
            void message.success(t('clusterDelete.resetting', { name: cluster.name }));
            void navigate(`/clusters/${cluster.id}/operations/${op.id}`);
          } else {
            void message.success(t('clusterDelete.forgotten', { name: cluster.name }));
            if (leaveTo) void navigate(leaveTo);
          }
        },
        onError: (e) => setError(describeError(t, e)),
      },
    );
  };

  return (
    <Modal
      open
      title={t('clusterDelete.title', { name: cluster.name })}
      okText={force ? t('clusterDelete.forget') : t('common.delete')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: typed.trim() !== cluster.name, 'data-testid': 'cluster-delete-submit' }}
      confirmLoading={remove.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {error && <Alert type="error" showIcon title={error} data-testid="cluster-delete-error" />}
        <Typography.Paragraph style={{ marginBottom: 0 }}>
          {force ? t('clusterDelete.forceExplain', { name: cluster.name }) : t('clusterDelete.explain', { name: cluster.name })}
        </Typography.Paragraph>
        {admin ? (
          <Checkbox checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="cluster-delete-force">
            {t('clusterDelete.force')}
          </Checkbox>
        ) : (
          <Typography.Text type="secondary">{t('clusterDelete.forceAdminOnly')}</Typography.Text>
        )}
        <Typography.Text>{t('clusterDelete.typeName', { name: cluster.name })}</Typography.Text>
        <Input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={cluster.name}
          aria-label={t('clusterDelete.typeName', { name: cluster.name })}
          autoComplete="off"
          data-testid="cluster-delete-name"
          onPressEnter={() => typed.trim() === cluster.name && submit()}
        />
      </Space>
    </Modal>
  );
}
