import { Alert, Form, Input, Modal, Radio } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { useCreateCredential, useUpdateCredential, type Credential, type CredentialUpdate } from './api';

interface Values {
  name: string;
  description?: string;
  username: string;
  auth_type: 'password' | 'private_key';
  password?: string;
  private_key?: string;
  passphrase?: string;
}

const FIELDS = ['name', 'description', 'username', 'auth_type', 'password', 'private_key', 'passphrase'] as const;

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  projectId: string;
  /** The credential to edit; absent to create one. Its secrets are never known here. */
  credential?: Credential;
  onClose: () => void;
}

export function CredentialForm({ projectId, credential, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateCredential();
  const update = useUpdateCredential();
  const authType = Form.useWatch('auth_type', form) ?? credential?.auth_type ?? 'password';
  const editing = !!credential;
  // Switching an existing credential to another kind needs the new kind's secret.
  const secretRequired = !editing || authType !== credential.auth_type;

  const initialValues: Partial<Values> = credential
    ? { name: credential.name, description: credential.description, username: credential.username, auth_type: credential.auth_type }
    : { auth_type: 'password', username: 'root' };

  const onFinish = (values: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const secrets: Pick<Values, 'password' | 'private_key' | 'passphrase'> = {};
    if (values.auth_type === 'password') {
      if (values.password) secrets.password = values.password;
    } else {
      if (values.private_key) secrets.private_key = values.private_key;
      if (values.passphrase) secrets.passphrase = values.passphrase;
    }
    const common = { name: values.name.trim(), description: values.description ?? '', username: values.username.trim(), auth_type: values.auth_type };
    if (credential) {
      const body: CredentialUpdate = { ...common, ...secrets };
      update.mutate({ id: credential.id, body }, { onSuccess: onClose, onError });
    } else {
      create.mutate({ ...common, ...secrets, project_id: projectId }, { onSuccess: onClose, onError });
    }
  };

  const keepHint = editing ? t('credentials.keepSecret') : undefined;
  const required = { required: secretRequired, message: t('validation.required') };
  return (
    <Modal
      open
      title={editing ? t('credentials.editTitle', { name: credential.name }) : t('credentials.createTitle')}
      okText={editing ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'credential-submit' }}
      confirmLoading={create.isPending || update.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="credential" initialValues={initialValues}>
        <Form.Item name="name" label={t('credentials.name')} extra={t('credentials.nameHint')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea rows={2} maxLength={512} />
        </Form.Item>
        <Form.Item name="username" label={t('credentials.username')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="auth_type" label={t('credentials.authType')}>
          <Radio.Group
            optionType="button"
            options={[
              { value: 'password', label: t('credentials.type.password') },
              { value: 'private_key', label: t('credentials.type.private_key') },
            ]}
          />
        </Form.Item>
        {authType === 'password' ? (
          <Form.Item name="password" label={t('credentials.password')} extra={keepHint} rules={[required]}>
            <Input.Password autoComplete="new-password" />
          </Form.Item>
        ) : (
          <>
            <Form.Item name="private_key" label={t('credentials.privateKey')} extra={keepHint ?? t('credentials.privateKeyHint')} rules={[required]}>
              <Input.TextArea rows={6} spellCheck={false} style={{ fontFamily: 'monospace' }} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" />
            </Form.Item>
            <Form.Item name="passphrase" label={t('credentials.passphrase')} extra={editing ? keepHint : t('credentials.passphraseHint')}>
              <Input.Password autoComplete="new-password" />
            </Form.Item>
          </>
        )}
      </Form>
    </Modal>
  );
}
