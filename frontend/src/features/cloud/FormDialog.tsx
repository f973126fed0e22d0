import { Alert, Form, Input, Modal, type FormInstance } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { Kind, Texts } from './useResourceList';

interface Props<V> {
  form: FormInstance<V>;
  error: string | null;
  onClose: () => void;
  texts: Texts;
  kind: Kind;
  /** The resource being edited; absent when creating one. */
  item?: { name: string };
  pending: boolean;
  initialValues: Partial<V>;
  onFinish: (values: V) => void;
  width?: number;
  submitDisabled?: boolean;
  /** Shown above the form, before a refusal. */
  notices?: ReactNode;
  children: ReactNode;
}

/** The modal of an inventory form: create or save, locked while saving, the API's refusal on top. */
export function FormDialog<V>({ form, error, onClose, texts, kind, item, pending, initialValues, onFinish, width, submitDisabled, notices, children }: Props<V>) {
  const { t } = useTranslation();
  return (
    <Modal
      open
      width={width}
      title={item ? t(`${texts}.editTitle`, { name: item.name }) : t(`${texts}.createTitle`)}
      okText={item ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': `${kind}-submit`, disabled: submitDisabled }}
      confirmLoading={pending}
      onOk={() => form.submit()}
      onCancel={onClose}
      mask={{ closable: !pending }}
    >
      {notices}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form<V> form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name={kind} initialValues={initialValues} disabled={pending}>
        {children}
      </Form>
    </Modal>
  );
}

/** Every inventory resource's name and description. */
export function NameFields() {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item name="name" label={t('cloud.name')} extra={t('cloud.nameHint')} rules={[{ required: true, message: t('validation.required') }]}>
        <Input maxLength={64} />
      </Form.Item>
      <Form.Item name="description" label={t('common.description')}>
        <Input.TextArea rows={2} maxLength={512} />
      </Form.Item>
    </>
  );
}
