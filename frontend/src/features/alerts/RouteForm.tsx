import { Alert, Form, Input, Modal, Radio, Select, Switch } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import type { Project } from '../../app/project';
import { useClusters } from '../clusters/api';
import { useChannels } from '../notifications/api';
import { SEVERITIES, useCreateRoute, useRules, useRuleTitle, useUpdateRoute, type Route, type RouteCreate, type Severity } from './api';

interface Values {
  project_id: string;
  name: string;
  channel_ids: string[];
  rules: string[];
  min_severity: Severity;
  cluster_ids: string[];
  send_resolved: boolean;
  enabled: boolean;
}

const FIELDS = ['project_id', 'name', 'channel_ids', 'rules', 'min_severity', 'cluster_ids', 'send_resolved', 'enabled'];
/** The most channels and clusters offered (their APIs' page limit). */
const OPTIONS = 200;

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  /** Projects the caller manages (where a route may be created). */
  projects: Project[];
  projectId?: string;
  /** The route to edit; absent to create one. */
  route?: Route;
  onClose: () => void;
}

/** A route sends a project's alerts (of some rules, a minimum severity, some clusters) to its channels. */
export function RouteForm({ projects, projectId: initialProject, route, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateRoute();
  const update = useUpdateRoute();
  const rules = useRules();
  const ruleTitle = useRuleTitle();
  const projectId: string | undefined = Form.useWatch('project_id', form) ?? route?.project_id ?? initialProject;
  const channels = useChannels({ projectId, limit: OPTIONS, offset: 0 }, !!projectId);
  const clusters = useClusters(projectId, 0, OPTIONS);

  const initialValues: Partial<Values> = route
    ? { ...route }
    : { project_id: initialProject, channel_ids: [], rules: [], min_severity: 'warning', cluster_ids: [], send_resolved: true, enabled: true };

  const onFinish = (values: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const fields = {
      name: values.name.trim(),
      channel_ids: values.channel_ids,
      rules: values.rules,
      min_severity: values.min_severity,
      cluster_ids: values.cluster_ids,
      send_resolved: values.send_resolved,
      enabled: values.enabled,
    };
    if (route) update.mutate({ id: route.id, body: fields }, { onSuccess: onClose, onError });
    else create.mutate({ ...fields, project_id: values.project_id } satisfies RouteCreate, { onSuccess: onClose, onError });
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <Modal
      open
      width={640}
      title={route ? t('routes.editTitle', { name: route.name }) : t('routes.createTitle')}
      okText={route ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'route-submit' }}
      confirmLoading={create.isPending || update.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form
        form={form}
        layout="vertical"
        name="route"
        onFinish={onFinish}
        autoComplete="off"
        initialValues={initialValues}
        onValuesChange={(changed: Partial<Values>) => {
          // Channels and clusters are the project's own.
          if ('project_id' in changed) form.setFieldsValue({ channel_ids: [], cluster_ids: [] });
        }}
      >
        <Form.Item name="project_id" label={t('alerts.project')} rules={[required]}>
          <Select disabled={!!route} options={projects.map((p) => ({ value: p.id, label: p.name }))} />
        </Form.Item>
        <Form.Item name="name" label={t('routes.name')} extra={t('routes.nameHint')} rules={[required]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="channel_ids" label={t('routes.channels')} extra={t('routes.channelsHint')} rules={[{ ...required, type: 'array', min: 1 }]}>
          <Select
            mode="multiple"
            showSearch={{ optionFilterProp: 'label' }}
            loading={channels.isLoading}
            options={(channels.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
          />
        </Form.Item>
        <Form.Item name="rules" label={t('routes.rules')} extra={t('routes.rulesHint')}>
          <Select
            mode="multiple"
            showSearch={{ optionFilterProp: 'label' }}
            placeholder={t('routes.allRules')}
            loading={rules.isLoading}
            options={(rules.data ?? []).map((r) => ({ value: r.id, label: ruleTitle(r.id) }))}
          />
        </Form.Item>
        <Form.Item name="min_severity" label={t('routes.minSeverity')}>
          <Radio.Group optionType="button" options={SEVERITIES.map((s) => ({ value: s, label: t(`alerts.severities.${s}`) }))} />
        </Form.Item>
        <Form.Item name="cluster_ids" label={t('routes.clusters')} extra={t('routes.clustersHint')}>
          <Select
            mode="multiple"
            showSearch={{ optionFilterProp: 'label' }}
            placeholder={t('routes.allClusters')}
            loading={clusters.isLoading}
            options={(clusters.data?.items ?? []).map((c) => ({ value: c.id, label: c.name }))}
          />
        </Form.Item>
        <Form.Item name="send_resolved" label={t('routes.sendResolved')} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="enabled" label={t('routes.enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
