import { App, Alert, Form, Input, Modal } from 'antd';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../api';
import { meKey } from './auth';
import { applyApiError } from './errors';

type Values = Schemas['PasswordChangeIn'] & { confirm: string };
const FIELDS = ['current_password', 'new_password'] as const;

/** Mounted only while open, so each opening starts from a clean form. */
export function ChangePasswordModal({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const mutation = useMutation({
    mutationFn: ({ current_password, new_password }: Values) =>
      call(api.POST('/api/v1/auth/password', { body: { current_password, new_password } })),
    onSuccess: () => {
      // The gateway ends every session of the user, this one included: log in again.
      void message.success(t('account.passwordChanged'));
      onClose();
      queryClient.clear();
      queryClient.setQueryData(meKey, null);
    },
    onError: (error) => setFormError(applyApiError(form, error, FIELDS, t)),
  });
  return (
    <Modal
      open
      title={t('account.changePassword')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      confirmLoading={mutation.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        onFinish={(values) => {
          setFormError(null);
          mutation.mutate(values);
        }}
      >
        <Form.Item name="current_password" label={t('account.currentPassword')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Form.Item name="new_password" label={t('account.newPassword')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('account.confirmPassword')}
          dependencies={['new_password']}
          rules={[
            { required: true, message: t('validation.required') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || getFieldValue('new_password') === value
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('account.passwordsDiffer'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
    </Modal>
  );
}
