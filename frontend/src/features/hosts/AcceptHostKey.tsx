import { Alert, App, Descriptions, Form, Input, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { useAcceptHostKey, type Host } from './api';

const VERIFY_COMMAND = 'ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub';

/**
 * For administrators: accept the changed key a host presented. The administrator types the fingerprint
 * they read on the host's own console; only that, matching what the host presented, is sent.
 */
export function AcceptHostKey({ host, onClose }: { host: Host; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ fingerprint: string }>();
  const [formError, setFormError] = useState<string | null>(null);
  const accept = useAcceptHostKey();
  const pendingFp = host.host_key.pending_fingerprint ?? '';

  const onFinish = ({ fingerprint }: { fingerprint: string }) => {
    setFormError(null);
    accept.mutate(
      { id: host.id, fingerprint: fingerprint.trim() },
      {
        onSuccess: () => {
          void message.success(t('hosts.hostKey.accepted', { name: host.name }));
          onClose();
        },
        onError: (error) => setFormError(applyApiError(form, error, ['fingerprint'], t)),
      },
    );
  };

  return (
    <Modal
      open
      width={640}
      title={t('hosts.hostKey.title', { name: host.name })}
      okText={t('hosts.hostKey.submit')}
      okButtonProps={{ danger: true, 'data-testid': 'hostkey-submit' }}
      cancelText={t('common.cancel')}
      confirmLoading={accept.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <Alert type="warning" showIcon title={t('hosts.hostKey.warning')} style={{ marginBottom: 16 }} />
      <Descriptions column={1} size="small" bordered style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t('hosts.hostKey.recorded')}>
          <Typography.Text code>{host.host_key.fingerprint ?? '—'}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('hosts.hostKey.presented')}>
          <Typography.Text code data-testid="hostkey-pending">
            {pendingFp || '—'}
          </Typography.Text>
        </Descriptions.Item>
      </Descriptions>
      <Typography.Paragraph>
        {t('hosts.hostKey.verify')} <Typography.Text code copyable>{VERIFY_COMMAND}</Typography.Text>
      </Typography.Paragraph>
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="hostkey">
        <Form.Item
          name="fingerprint"
          label={t('hosts.hostKey.fingerprint')}
          rules={[
            { required: true, message: t('validation.required') },
            {
              validator: (_, value: string | undefined) =>
                !value || value.trim() === pendingFp ? Promise.resolve() : Promise.reject(new Error(t('hosts.hostKey.mismatch'))),
            },
          ]}
        >
          <Input placeholder="SHA256:…" spellCheck={false} style={{ fontFamily: 'monospace' }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
