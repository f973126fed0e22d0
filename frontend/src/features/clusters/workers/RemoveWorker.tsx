import { MinusCircleOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Input, Modal, Space, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { describeError } from '../../../app/errors';
import { useRemoveWorker, type Cluster, type Node } from '../api';
import type { Blocked } from './workers';

/**
 * A worker row's "Remove": disabled, with the reason in a tooltip, unless the cluster is running
 * with no operation under way. The nodes list checks the role once and mounts one dialog for all rows.
 */
export function RemoveWorkerButton({ node, blocked, onOpen }: { node: Node; blocked: Exclude<Blocked, 'readOnly'> | null; onOpen: () => void }) {
  const { t } = useTranslation();
  const button = (
    <Button
      danger
      size="small"
      type="text"
      icon={<MinusCircleOutlined />}
      aria-label={t('workers.removeAction', { name: node.name })}
      disabled={!!blocked}
      onClick={onOpen}
      data-testid={`worker-remove-${node.name}`}
    >
      {t('workers.remove')}
    </Button>
  );
  return blocked ? <Tooltip title={t(`workers.${blocked}`)}>{button}</Tooltip> : button;
}

/**
 * The confirmation: what happens (cordon, drain, delete, reset, release), force for a dead host
 * (the only way for a node that never joined), and the node's name typed. Opens the live operation.
 */
export function RemoveWorkerDialog({ cluster, node, onClose }: { cluster: Pick<Cluster, 'id' | 'name'>; node: Node; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const remove = useRemoveWorker();
  const [typed, setTyped] = useState('');
  const joining = node.status === 'joining';
  const [forceChosen, setForce] = useState(false);
  const force = joining || forceChosen;
  const [error, setError] = useState<string | null>(null);
  const confirmed = typed.trim() === node.name;

  const submit = () => {
    if (!confirmed) return;
    setError(null);
    remove.mutate(
      { id: cluster.id, node: node.name, force },
      {
        onSuccess: (result) => {
          onClose();
          void message.success(t('workers.removing', { name: node.name }));
          if (result.operation) void navigate(`/clusters/${cluster.id}/operations/${result.operation.id}`);
        },
        onError: (e) => setError(describeError(t, e)),
      },
    );
  };

  return (
    <Modal
      open
      title={t('workers.removeTitle', { name: node.name })}
      okText={t('workers.remove')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: !confirmed, 'data-testid': 'worker-remove-submit' }}
      confirmLoading={remove.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {error && <Alert type="error" showIcon title={error} data-testid="worker-remove-error" />}
        <Typography.Paragraph style={{ marginBottom: 0 }}>
          {force ? t('workers.forceExplain') : t('workers.removeExplain', { name: node.name, cluster: cluster.name })}
        </Typography.Paragraph>
        {joining && <Alert type="info" showIcon title={t('workers.forceJoining', { name: node.name })} data-testid="worker-remove-joining" />}
        <Checkbox checked={force} disabled={joining} onChange={(e) => setForce(e.target.checked)} data-testid="worker-remove-force">
          {t('workers.force')}
        </Checkbox>
        <Typography.Text>{t('workers.typeName', { name: node.name })}</Typography.Text>
        <Input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={node.name}
          aria-label={t('workers.typeName', { name: node.name })}
          autoComplete="off"
          data-testid="worker-remove-name"
          onPressEnter={submit}
        />
      </Space>
    </Modal>
  );
}
