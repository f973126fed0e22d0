import { Alert, Form, Input, InputNumber, Modal, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { useCreateToken, type CreatedToken } from './api';

interface Values {
  name: string;
  expires_in_days?: number | null;
}
const FIELDS = ['name', 'expires_in_days'] as const;

/** Mounted only while open: the token shown once is dropped with this component. */
export function CreateToken({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  const create = useCreateToken();

  if (created) {
    return (
      <Modal
        open
        title={t('tokens.createdTitle', { name: created.name })}
        okText={t('tokens.done')}
        onOk={onClose}
        onCancel={onClose}
        cancelButtonProps={{ style: { display: 'none' } }}
        mask={{ closable: false }}
      >
        <Alert type="warning" showIcon title={t('tokens.showOnce')} style={{ marginBottom: 16 }} />
        <Typography.Paragraph copyable={{ text: created.token }} code data-testid="token-value" style={{ wordBreak: 'break-all' }}>
          {created.token}
        </Typography.Paragraph>
        <Typography.Paragraph type="secondary">{t('tokens.usage')}</Typography.Paragraph>
      </Modal>
    );
  }

  return (
    <Modal
      open
      title={t('tokens.createTitle')}
      okText={t('common.create')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form
        form={form}
        layout="vertical"
        name="token"
        onFinish={(v) => {
          setFormError(null);
          create.mutate(
            { name: v.name.trim(), expires_in_days: v.expires_in_days ?? null },
            { onSuccess: setCreated, onError: (error) => setFormError(applyApiError(form, error, FIELDS, t)) },
          );
        }}
      >
        <Form.Item name="name" label={t('tokens.name')} extra={t('tokens.nameHint')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="expires_in_days" label={t('tokens.expiresInDays')} extra={t('tokens.expiresHint')}>
          <InputNumber min={1} max={3650} style={{ width: 200 }} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
