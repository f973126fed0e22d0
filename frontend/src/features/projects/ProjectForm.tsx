import { Alert, Form, Input, Modal } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../app/project';
import { applyApiError } from '../../app/errors';
import { useCreateProject, useUpdateProject } from './api';

interface Values {
  name: string;
  description?: string;
}
const FIELDS = ['name', 'description'] as const;

/** Mounted only while open, so each opening starts from a clean form. */
export function ProjectForm({ project, onClose }: { project?: Project; onClose: () => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateProject();
  const update = useUpdateProject();

  const onFinish = (v: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const body = { name: v.name.trim(), description: v.description ?? '' };
    if (project) update.mutate({ id: project.id, body }, { onSuccess: onClose, onError });
    else create.mutate(body, { onSuccess: onClose, onError });
  };

  return (
    <Modal
      open
      title={project ? t('projects.editTitle', { name: project.name }) : t('projects.createTitle')}
      okText={project ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      confirmLoading={create.isPending || update.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} />}
      <Form form={form} layout="vertical" onFinish={onFinish} name="project" initialValues={project ? { name: project.name, description: project.description } : undefined}>
        <Form.Item name="name" label={t('projects.name')} extra={t('projects.nameHint')} rules={[{ required: true, message: t('validation.required') }]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea rows={3} maxLength={1000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
