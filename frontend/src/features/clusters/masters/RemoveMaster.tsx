import { MinusCircleOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Checkbox, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { describeError } from '../../../app/errors';
import { HoverTooltip } from '../../../app/HoverTooltip';
import { clusterKey, useRemoveMaster, type Cluster, type Node } from '../api';
import { rebuildRefusal } from '../workers/workers';
import type { removeMasterBlocked } from './masters';

type Gate = ReturnType<typeof removeMasterBlocked>;

/** A master row's "Remove": disabled, the reason in a tooltip, while busy or not running, or for the only master. */
export function RemoveMasterButton({ node, blocked, onOpen }: { node: Node; blocked: Gate; onOpen: () => void }) {
  const { t } = useTranslation();
  const button = (
    <Button
      danger
      size="small"
      type="text"
      icon={<MinusCircleOutlined />}
      aria-label={t('masters.removeAction', { name: node.name })}
      disabled={!!blocked}
      onClick={onOpen}
      data-testid={`master-remove-${node.name}`}
    >
      {t('masters.remove')}
    </Button>
  );
  // One per master row: the tooltip mounts on first hover (HoverTooltip), and its span takes the hover of a disabled button.
  return blocked ? <HoverTooltip title={t(`masters.${blocked}`, { name: node.name })}>{button}</HoverTooltip> : button;
}

/**
 * The confirmation: what happens (drain, etcd member removed while the others are healthy, host reset
 * and released), that the server refuses a removal that would lose etcd's quorum, force for a dead
 * host (the only way for a master that never joined), and the node's name typed. A refusal (409, the
 * quorum's reason) stays in the dialog and the cluster is read again; 202 opens the live operation.
 */
export function RemoveMasterDialog({ cluster, node, onClose }: { cluster: Pick<Cluster, 'id' | 'name'>; node: Node; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const remove = useRemoveMaster();
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
          void message.success(t('masters.removing', { name: node.name }));
          if (result.operation) void navigate(`/clusters/${cluster.id}/operations/${result.operation.id}`);
        },
        onError: (e) => {
          const refusal = rebuildRefusal(e, (x) => describeError(t, x));
          setError(refusal.text);
          if (refusal.stale) void queryClient.invalidateQueries({ queryKey: clusterKey(cluster.id) });
        },
      },
    );
  };

  return (
    <Modal
      open
      title={t('masters.removeTitle', { name: node.name })}
      okText={t('masters.remove')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: !confirmed, 'data-testid': 'master-remove-submit' }}
      confirmLoading={remove.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {error && <Alert type="error" showIcon title={error} data-testid="master-remove-error" />}
        <Typography.Paragraph style={{ marginBottom: 0 }}>
          {force ? t('masters.forceExplain') : t('masters.removeExplain', { name: node.name, cluster: cluster.name })}
        </Typography.Paragraph>
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
          {t('masters.quorum')}
        </Typography.Paragraph>
        {joining && <Alert type="info" showIcon title={t('masters.forceJoining', { name: node.name })} data-testid="master-remove-joining" />}
        <Checkbox checked={force} disabled={joining} onChange={(e) => setForce(e.target.checked)} data-testid="master-remove-force">
          {t('masters.force')}
        </Checkbox>
        <Typography.Text>{t('masters.typeName', { name: node.name })}</Typography.Text>
        <Input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={node.name}
          aria-label={t('masters.typeName', { name: node.name })}
          autoComplete="off"
          data-testid="master-remove-name"
          onPressEnter={submit}
        />
      </Space>
    </Modal>
  );
}
