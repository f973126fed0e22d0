import { Alert, Form, Input, Modal, Select, Switch } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { useCreateUser, useUpdateUser, type User } from './api';

interface Values {
  username: string;
  password?: string;
  display_name?: string;
  email?: string;
  is_admin?: boolean;
  is_active?: boolean;
  language?: string;
}

const FIELDS = ['username', 'password', 'display_name', 'email', 'is_admin', 'is_active', 'language'] as const;

/** Mounted only while open, so each opening starts from a clean form. */
export function UserForm({ user, onClose }: { user?: User; onClose: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateUser();
  const update = useUpdateUser();
  const editing = !!user;

  const initialValues: Partial<Values> = user
    ? { username: user.username, display_name: user.display_name, email: user.email, is_admin: user.is_admin, is_active: user.is_active, language: user.language }
    : { is_admin: false, is_active: true, language: '' };

  const onFinish = (v: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const common = { display_name: v.display_name ?? '', email: v.email ?? '', is_admin: !!v.is_admin, language: v.language ?? '' };
    if (user) {
      update.mutate(
        { id: user.id, body: { ...common, is_active: v.is_active ?? true, ...(v.password ? { password: v.password } : {}) } },
        { onSuccess: onClose, onError },
      );
    } else {
      create.mutate({ ...common, username: v.username.trim(), password: v.password ?? '' }, { onSuccess: onClose, onError });
    }
  };

  return (
    <Modal
      open
      title={editing ? t('users.editTitle', { name: user.username }) : t('users.createTitle')}
      okText={editing ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'user-submit' }}
      confirmLoading={create.isPending || update.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="user" initialValues={initialValues}>
        <Form.Item name="username" label={t('users.username')} extra={editing ? undefined : t('users.usernameHint')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input disabled={editing} maxLength={64} />
        </Form.Item>
        <Form.Item
          name="password"
          label={editing ? t('users.resetPassword') : t('users.password')}
          extra={editing ? t('users.resetPasswordHint') : undefined}
          rules={[{ required: !editing, message: t('validation.required') }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="display_name" label={t('users.displayName')}>
          <Input maxLength={128} />
        </Form.Item>
        <Form.Item name="email" label={t('users.email')}>
          <Input maxLength={255} />
        </Form.Item>
        <Form.Item name="language" label={t('users.language')}>
          <Select
            options={[
              { value: '', label: t('users.languageBrowser') },
              { value: 'en', label: 'English' },
              { value: 'zh', label: '简体中文' },
            ]}
          />
        </Form.Item>
        <Form.Item name="is_admin" label={t('users.admin')} valuePropName="checked" extra={t('users.adminHint')}>
          <Switch />
        </Form.Item>
        {editing && (
          <Form.Item name="is_active" label={t('users.active')} valuePropName="checked" extra={t('users.activeHint')}>
            <Switch />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
