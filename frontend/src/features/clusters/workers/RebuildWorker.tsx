import { SyncOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Input, Modal, Space, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { describeError } from '../../../app/errors';
import { useFormatTime } from '../../../app/format';
import { clusterKey, useRebuildWorker, type Cluster, type Node } from '../api';
import { notReadyFor } from '../format';
import { notReadyWorkers, rebuildRefusal, type Blocked } from './workers';

type Gate = Exclude<Blocked, 'readOnly'> | null;

/**
 * A worker row's "Rebuild", gated like Remove (the reason in a tooltip). A not-ready node gets it as
 * the primary button: rebuilding is what such a node most likely needs.
 */
export function RebuildWorkerButton({ node, blocked, onOpen }: { node: Node; blocked: Gate; onOpen: () => void }) {
  const { t } = useTranslation();
  const button = (
    <Button
      size="small"
      type={node.status === 'not-ready' ? 'primary' : 'text'}
      icon={<SyncOutlined />}
      aria-label={t('workers.rebuildAction', { name: node.name })}
      disabled={!!blocked}
      onClick={onOpen}
      data-testid={`worker-rebuild-${node.name}`}
    >
      {t('workers.rebuild')}
    </Button>
  );
  return blocked ? <Tooltip title={t(`workers.${blocked}`)}>{button}</Tooltip> : button;
}

/** Above the nodes list, one warning per not-ready worker: for how long, and Rebuild for those who may. */
export function NotReadyWorkers({ nodes, blocked, onOpen }: { nodes: Node[]; blocked: Blocked | null; onOpen: (node: Node) => void }) {
  const { t } = useTranslation();
  return notReadyWorkers(nodes).map((node) => (
    <Alert
      key={node.host_id}
      type="warning"
      showIcon
      data-testid={`worker-not-ready-${node.name}`}
      title={t('workers.notReadyBanner', { name: node.name, duration: node.not_ready_since ? notReadyFor(node.not_ready_since) : '—' })}
      action={blocked === 'readOnly' ? undefined : <RebuildWorkerButton node={node} blocked={blocked} onOpen={() => onOpen(node)} />}
    />
  ));
}

/**
 * The confirmation: what happens (deleted without draining, pods rescheduled, host reset and joined
 * again) and the node's name typed. Opens the live operation; a refusal stays in the dialog, and
 * when it says the page is stale (node gone, cluster busy) the cluster is fetched again.
 */
export function RebuildWorkerDialog({ cluster, node, onClose }: { cluster: Pick<Cluster, 'id' | 'name'>; node: Node; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const rebuild = useRebuildWorker();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const confirmed = typed.trim() === node.name;

  const submit = () => {
    if (!confirmed) return;
    setError(null);
    rebuild.mutate(
      { id: cluster.id, node: node.name },
      {
        onSuccess: (result) => {
          onClose();
          void message.success(t('workers.rebuilding', { name: node.name }));
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
      title={t('workers.rebuildTitle', { name: node.name })}
      okText={t('workers.rebuild')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: !confirmed, 'data-testid': 'worker-rebuild-submit' }}
      confirmLoading={rebuild.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {error && <Alert type="error" showIcon title={error} data-testid="worker-rebuild-error" />}
        {node.status === 'not-ready' && node.not_ready_since && (
          <Alert
            type="warning"
            showIcon
            title={t('workers.rebuildNotReady', { name: node.name, time: formatTime(node.not_ready_since) })}
            data-testid="worker-rebuild-not-ready"
          />
        )}
        <Typography.Paragraph style={{ marginBottom: 0 }}>{t('workers.rebuildExplain', { name: node.name, cluster: cluster.name })}</Typography.Paragraph>
        <Typography.Text>{t('workers.typeName', { name: node.name })}</Typography.Text>
        <Input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={node.name}
          aria-label={t('workers.typeName', { name: node.name })}
          autoComplete="off"
          data-testid="worker-rebuild-name"
          onPressEnter={submit}
        />
      </Space>
    </Modal>
  );
}
