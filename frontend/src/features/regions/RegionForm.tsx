import { Alert, Checkbox, Form, Input, Modal, Radio } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { PROVIDERS, useCreateRegion, useUpdateRegion, type Provider, type Region, type RegionUpdate } from './api';

interface Values {
  name: string;
  description?: string;
  provider: Provider;
  endpoint: string;
  datacenter: string;
  username: string;
  password?: string;
  project_name?: string;
  domain_name?: string;
  insecure_tls: boolean;
}

const FIELDS = ['name', 'description', 'provider', 'endpoint', 'datacenter', 'username', 'password', 'project_name', 'domain_name', 'insecure_tls'];

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  projectId: string;
  /** The region to edit; its password is never known here. */
  region?: Region;
  onClose: () => void;
  onSaved?: (region: Region) => void;
}

export function RegionForm({ projectId, region, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateRegion();
  const update = useUpdateRegion();
  const editing = !!region;
  const pending = create.isPending || update.isPending;
  const provider: Provider = Form.useWatch('provider', form) ?? region?.provider ?? 'vsphere';
  const openstack = provider === 'openstack';

  const initialValues: Partial<Values> = region
    ? {
        name: region.name,
        description: region.description,
        provider: region.provider,
        endpoint: region.endpoint,
        datacenter: region.datacenter,
        username: region.username,
        project_name: region.project_name ?? undefined,
        domain_name: region.domain_name ?? undefined,
        insecure_tls: region.insecure_tls,
      }
    : { provider: 'vsphere', insecure_tls: false };

  const onFinish = (values: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const onSuccess = (saved: Region) => {
      onSaved?.(saved);
      onClose();
    };
    const common = {
      name: values.name.trim(),
      description: values.description ?? '',
      endpoint: values.endpoint.trim(),
      datacenter: values.datacenter.trim(),
      username: values.username.trim(),
      insecure_tls: values.insecure_tls,
      // OpenStack-only fields are left out for vSphere: the API refuses them by name.
      ...(values.provider === 'openstack'
        ? { project_name: values.project_name?.trim() ?? '', domain_name: values.domain_name?.trim() ?? '' }
        : {}),
    };
    if (region) {
      const body: RegionUpdate = { ...common };
      if (values.password) body.password = values.password;
      update.mutate({ id: region.id, body }, { onSuccess, onError });
    } else {
      create.mutate({ ...common, project_id: projectId, provider: values.provider, password: values.password ?? '' }, { onSuccess, onError });
    }
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <Modal
      open
      title={editing ? t('regions.editTitle', { name: region.name }) : t('regions.createTitle')}
      okText={editing ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'region-submit' }}
      confirmLoading={pending}
      onOk={() => form.submit()}
      onCancel={onClose}
      mask={{ closable: !pending }}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="region" initialValues={initialValues} disabled={pending}>
        <Form.Item name="provider" label={t('regions.provider')} extra={editing ? t('regions.providerFixed') : undefined}>
          <Radio.Group optionType="button" disabled={editing} options={PROVIDERS.map((p) => ({ value: p, label: t(`cloud.provider.${p}`) }))} />
        </Form.Item>
        <Form.Item name="name" label={t('cloud.name')} extra={t('cloud.nameHint')} rules={[required]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea rows={2} maxLength={512} />
        </Form.Item>
        <Form.Item
          name="endpoint"
          label={openstack ? t('regions.endpointOpenstack') : t('regions.endpointVsphere')}
          extra={openstack ? t('regions.endpointHintOpenstack') : t('regions.endpointHintVsphere')}
          rules={[required]}
        >
          <Input maxLength={512} placeholder="https://" />
        </Form.Item>
        <Form.Item name="datacenter" label={openstack ? t('regions.datacenterOpenstack') : t('regions.datacenterVsphere')} rules={[required]}>
          <Input maxLength={128} />
        </Form.Item>
        {openstack && (
          <>
            <Form.Item name="project_name" label={t('regions.projectName')} rules={[required]}>
              <Input maxLength={128} />
            </Form.Item>
            <Form.Item name="domain_name" label={t('regions.domainName')} extra={t('regions.domainHint')} rules={[required]}>
              <Input maxLength={128} placeholder="Default" />
            </Form.Item>
          </>
        )}
        <Form.Item name="username" label={t('regions.username')} rules={[required]}>
          <Input maxLength={128} />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('regions.password')}
          extra={editing ? t('regions.keepPassword') : undefined}
          rules={[{ required: !editing, message: t('validation.required') }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Form.Item name="insecure_tls" valuePropName="checked" extra={t('regions.insecureTlsHint')}>
          <Checkbox>{t('regions.insecureTls')}</Checkbox>
        </Form.Item>
      </Form>
    </Modal>
  );
}
