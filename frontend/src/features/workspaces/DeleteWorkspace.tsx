import { Alert, App, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { useDeleteWorkspace, type Workspace } from './api';

/**
 * Destroy a workspace's VMs: the confirmation names it and asks for its name, like a cluster's. The API
 * answers 202 (an operation destroys every VM, forgets its host and gives its address back).
 */
export function DeleteWorkspaceDialog({ workspace, onClose }: { workspace: Workspace; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const remove = useDeleteWorkspace();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const matches = typed.trim() === workspace.name;
  const submit = () => {
    setError(null);
    remove.mutate(workspace.id, {
      onSuccess: () => {
        void message.success(t('workspaces.destroying', { name: workspace.name }));
        onClose();
      },
      onError: (e) => setError(describeError(t, e)),
    });
  };
  return (
    <Modal
      open
      title={t('workspaces.deleteTitle', { name: workspace.name })}
      okText={t('common.delete')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: !matches, 'data-testid': 'workspace-delete-submit' }}
      confirmLoading={remove.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {error && <Alert type="error" showIcon title={error} data-testid="workspace-delete-error" />}
        <Typography.Paragraph style={{ marginBottom: 0 }}>{t('workspaces.deleteExplain', { name: workspace.name, count: workspace.vms.length })}</Typography.Paragraph>
        <Typography.Text>{t('clusterDelete.typeName', { name: workspace.name })}</Typography.Text>
        <Input
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          placeholder={workspace.name}
          aria-label={t('clusterDelete.typeName', { name: workspace.name })}
          autoComplete="off"
          data-testid="workspace-delete-name"
          onPressEnter={() => matches && submit()}
        />
      </Space>
    </Modal>
  );
}
