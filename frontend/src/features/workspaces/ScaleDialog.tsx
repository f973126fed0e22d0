import { Alert, App, Form, InputNumber, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { MAX_WORKERS, useScaleWorkspace, type Workspace } from './api';

/** The new worker count of a workspace: more creates VMs in the plan's zones, fewer removes the newest. */
export function ScaleDialog({ workspace, onClose }: { workspace: Workspace; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ worker_count: number }>();
  const [error, setError] = useState<string | null>(null);
  const scale = useScaleWorkspace();
  const submit = ({ worker_count }: { worker_count: number }) => {
    setError(null);
    scale.mutate(
      { id: workspace.id, workerCount: worker_count },
      {
        onSuccess: () => {
          void message.success(t('workspaces.scaling', { name: workspace.name, count: worker_count }));
          onClose();
        },
        onError: (e) => setError(applyApiError(form, e, ['worker_count'], t)),
      },
    );
  };
  return (
    <Modal
      open
      title={t('workspaces.scaleTitle', { name: workspace.name })}
      okText={t('workspaces.scale')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'workspace-scale-submit' }}
      confirmLoading={scale.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary">{t('workspaces.scaleExplain')}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" name="workspace-scale" initialValues={{ worker_count: workspace.worker_count }} onFinish={submit} disabled={scale.isPending}>
        <Form.Item name="worker_count" label={t('provisioning.workers')} rules={[{ required: true, message: t('validation.required') }]}>
          <InputNumber min={0} max={MAX_WORKERS} precision={0} style={{ width: 140 }} data-testid="workspace-scale-count" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
