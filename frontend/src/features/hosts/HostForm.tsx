import { Alert, Button, Form, Input, InputNumber, Modal, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { applyApiError } from '../../app/errors';
import { useCredentials } from '../credentials/api';
import { useRegisterHost, useUpdateHost, type Host, type HostUpdate } from './api';

interface Values {
  name: string;
  ip: string;
  port: number;
  credential_id: string;
}

const FIELDS = ['name', 'ip', 'port', 'credential_id'] as const;

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  projectId: string;
  /** The host to edit (name, port, credential); absent to add one. */
  host?: Host;
  onClose: () => void;
  onSaved?: (host: Host) => void;
}

export function HostForm({ projectId, host, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const register = useRegisterHost();
  const update = useUpdateHost();
  const credentials = useCredentials({ projectId, limit: 200, offset: 0 });
  const editing = !!host;
  const pending = register.isPending || update.isPending;
  const noCredential = credentials.isSuccess && credentials.data.items.length === 0;

  const initialValues: Partial<Values> = host
    ? { name: host.name, ip: host.ip, port: host.port, credential_id: host.credential_id }
    : { port: 22 };

  const onFinish = (values: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const onSuccess = (saved: Host) => {
      onSaved?.(saved);
      onClose();
    };
    if (host) {
      const body: HostUpdate = {};
      if (values.name.trim() !== host.name) body.name = values.name.trim();
      if (values.port !== host.port) body.port = values.port;
      if (values.credential_id !== host.credential_id) body.credential_id = values.credential_id;
      update.mutate({ id: host.id, body }, { onSuccess, onError });
    } else {
      register.mutate(
        { project_id: projectId, name: values.name.trim(), ip: values.ip.trim(), port: values.port, credential_id: values.credential_id },
        { onSuccess, onError },
      );
    }
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <Modal
      open
      title={editing ? t('hosts.editTitle', { name: host.name }) : t('hosts.addTitle')}
      okText={editing ? t('common.save') : t('hosts.add')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'host-submit', disabled: noCredential }}
      confirmLoading={pending}
      onOk={() => form.submit()}
      onCancel={onClose}
      mask={{ closable: !pending }}
    >
      {noCredential && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('hosts.noCredentialYet')}
          action={
            <Link to="/inventory/credentials">
              <Button size="small">{t('hosts.createCredential')}</Button>
            </Link>
          }
        />
      )}
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="host" initialValues={initialValues} disabled={pending}>
        <Form.Item name="name" label={t('hosts.name')} extra={t('hosts.nameHint')} rules={[required]}>
          <Input maxLength={64} />
        </Form.Item>
        <Space align="start" style={{ display: 'flex' }}>
          <Form.Item name="ip" label={t('hosts.ip')} extra={editing ? undefined : t('hosts.ipHint')} rules={[required]} style={{ width: 300 }}>
            <Input maxLength={45} disabled={editing} placeholder="192.168.1.10" />
          </Form.Item>
          <Form.Item name="port" label={t('hosts.port')} rules={[required]}>
            <InputNumber min={1} max={65535} precision={0} style={{ width: 120 }} />
          </Form.Item>
        </Space>
        <Form.Item name="credential_id" label={t('hosts.credential')} rules={[required]}>
          <Select
            showSearch={{ optionFilterProp: 'label' }}
            loading={credentials.isLoading}
            placeholder={t('hosts.credentialPlaceholder')}
            options={credentials.data?.items.map((c) => ({ value: c.id, label: `${c.name} (${c.username})` }))}
          />
        </Form.Item>
      </Form>
      <Typography.Text type="secondary">{t('hosts.connectHint')}</Typography.Text>
    </Modal>
  );
}
