import { Alert, App, Form, InputNumber, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { applyApiError } from '../../../app/errors';
import { MAX_WORKERS } from '../../workspaces/api';
import { useAddWorkers, type Cluster } from '../api';

type Props = { cluster: Pick<Cluster, 'id' | 'name'>; onClose: () => void };

/**
 * "Add workers" on a cluster planned from a plan: its hosts are VMs made for it, so it is asked how
 * many new ones (`count`), not which hosts. The API refuses `nodes` for such a cluster.
 */
export function AddVmWorkersDialog({ cluster, onClose }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [form] = Form.useForm<{ count: number }>();
  const [error, setError] = useState<string | null>(null);
  const add = useAddWorkers();

  const submit = ({ count }: { count: number }) => {
    setError(null);
    add.mutate(
      { id: cluster.id, body: { count } },
      {
        onSuccess: (result) => {
          onClose();
          void message.success(t('workers.adding', { name: cluster.name }));
          if (result.operation) void navigate(`/clusters/${cluster.id}/operations/${result.operation.id}`);
        },
        onError: (e) => setError(applyApiError(form, e, ['count'], t)),
      },
    );
  };

  return (
    <Modal
      open
      title={t('workers.addTitle', { name: cluster.name })}
      okText={t('workers.submit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'workers-add-submit' }}
      confirmLoading={add.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <Typography.Paragraph>{t('workers.addVmsIntro', { name: cluster.name })}</Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="workers-add-error" />}
      <Form form={form} layout="vertical" name="workers-add-vms" initialValues={{ count: 1 }} onFinish={submit} disabled={add.isPending}>
        <Form.Item
          name="count"
          label={t('workers.count')}
          extra={t('workers.countHint', { max: MAX_WORKERS })}
          rules={[{ required: true, message: t('validation.required') }]}
        >
          <InputNumber min={1} max={MAX_WORKERS} precision={0} style={{ width: 140 }} data-testid="workers-add-count" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
