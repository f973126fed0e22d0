import { Alert, Button, DatePicker, Form, Input, Modal, Select, Space } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Project } from '../../app/project';
import { applyApiError } from '../../app/errors';
import { useClusters } from '../clusters/api';
import { useCreateSilence, useRules, useRuleTitle, type SilenceCreate } from './api';

/** What a new silence starts from: a project, and a firing alert's matchers when silencing one. */
export interface SilenceDraft {
  projectId?: string;
  rule?: string;
  clusterId?: string;
  clusterName?: string;
  subject?: string;
}

interface Values {
  project_id: string;
  rule?: string;
  cluster_id?: string;
  subject?: string;
  starts_at?: Dayjs | null;
  ends_at?: Dayjs | null;
  comment?: string;
}

const END_PRESETS = [
  { key: '1h', amount: 1, unit: 'hour' },
  { key: '4h', amount: 4, unit: 'hour' },
  { key: '1d', amount: 1, unit: 'day' },
  { key: '1w', amount: 1, unit: 'week' },
] as const;
const FIELDS = ['project_id', 'rule', 'cluster_id', 'subject', 'starts_at', 'ends_at', 'comment'];
const CLUSTER_OPTIONS = 200;

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  /** Projects the caller manages (where a silence may be created). */
  projects: Project[];
  draft: SilenceDraft;
  onClose: () => void;
}

/**
 * A new silence: alerts of the project matching its rule, cluster and subject (each optional: absent
 * matches any) are recorded but not sent from its start (empty: now) to its end.
 */
export function SilenceForm({ projects, draft, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateSilence();
  const rules = useRules();
  const ruleTitle = useRuleTitle();
  const projectId: string | undefined = Form.useWatch('project_id', form) ?? draft.projectId;
  const clusters = useClusters(projectId, 0, CLUSTER_OPTIONS);
  const clusterOptions = new Map((clusters.data?.items ?? []).map((c) => [c.id, c.name]));
  if (draft.clusterId && projectId === draft.projectId && !clusterOptions.has(draft.clusterId)) {
    clusterOptions.set(draft.clusterId, draft.clusterName || draft.clusterId);
  }

  const setEnd = (amount: number, unit: 'hour' | 'day' | 'week') => {
    const from = form.getFieldValue('starts_at') as Dayjs | null | undefined;
    form.setFieldValue('ends_at', (from ?? dayjs()).add(amount, unit));
    void form.validateFields(['ends_at']);
  };

  const onFinish = (values: Values) => {
    setFormError(null);
    const body: SilenceCreate = {
      project_id: values.project_id,
      rule: values.rule ?? null,
      cluster_id: values.cluster_id ?? null,
      subject: values.subject?.trim() || null,
      starts_at: values.starts_at ? values.starts_at.toISOString() : null,
      ends_at: (values.ends_at as Dayjs).toISOString(),
      comment: values.comment?.trim() ?? '',
    };
    create.mutate(body, { onSuccess: onClose, onError: (error) => setFormError(applyApiError(form, error, FIELDS, t)) });
  };

  return (
    <Modal
      open
      width={600}
      title={t('silences.createTitle')}
      okText={t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'silence-submit' }}
      confirmLoading={create.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form
        form={form}
        layout="vertical"
        name="silence"
        onFinish={onFinish}
        autoComplete="off"
        initialValues={{ project_id: draft.projectId, rule: draft.rule, cluster_id: draft.clusterId, subject: draft.subject }}
        onValuesChange={(changed: Partial<Values>) => {
          if ('project_id' in changed) form.setFieldValue('cluster_id', undefined);
        }}
      >
        <Form.Item name="project_id" label={t('alerts.project')} rules={[{ required: true, message: t('validation.required') }]}>
          <Select options={projects.map((p) => ({ value: p.id, label: p.name }))} />
        </Form.Item>
        <Form.Item name="rule" label={t('alerts.rule')} extra={t('silences.anyHint')}>
          <Select allowClear placeholder={t('silences.anyRule')} loading={rules.isLoading} options={(rules.data ?? []).map((r) => ({ value: r.id, label: ruleTitle(r.id) }))} />
        </Form.Item>
        <Form.Item name="cluster_id" label={t('alerts.cluster')}>
          <Select
            allowClear
            showSearch={{ optionFilterProp: 'label' }}
            placeholder={t('silences.anyCluster')}
            loading={clusters.isLoading}
            options={[...clusterOptions].map(([value, label]) => ({ value, label }))}
          />
        </Form.Item>
        <Form.Item name="subject" label={t('alerts.subject')} extra={t('silences.subjectHint')}>
          <Input maxLength={512} placeholder={t('silences.anySubject')} />
        </Form.Item>
        <Form.Item name="starts_at" label={t('silences.starts')}>
          <DatePicker showTime placeholder={t('silences.now')} style={{ width: 240 }} />
        </Form.Item>
        <Form.Item label={t('silences.ends')} required>
          <Space wrap>
            <Form.Item
              name="ends_at"
              noStyle
              rules={[
                { required: true, message: t('validation.required') },
                ({ getFieldValue }) => ({
                  validator: (_, value: Dayjs | null | undefined) => {
                    const from = (getFieldValue('starts_at') as Dayjs | null | undefined) ?? dayjs();
                    return !value || value.isAfter(from) ? Promise.resolve() : Promise.reject(new Error(t('silences.endsAfterStart')));
                  },
                }),
              ]}
            >
              <DatePicker showTime style={{ width: 240 }} data-testid="silence-ends" />
            </Form.Item>
            {END_PRESETS.map((p) => (
              <Button key={p.key} size="small" onClick={() => setEnd(p.amount, p.unit)} data-testid={`silence-preset-${p.key}`}>
                {t(`silences.presets.${p.key}`)}
              </Button>
            ))}
          </Space>
        </Form.Item>
        <Form.Item name="comment" label={t('silences.comment')}>
          <Input.TextArea rows={2} maxLength={1024} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
