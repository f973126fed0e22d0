import { Checkbox, Form, Input, Radio } from 'antd';
import { useTranslation } from 'react-i18next';
import { FormDialog, NameFields } from '../cloud/FormDialog';
import type { ResourceFormProps } from '../cloud/ResourcePage';
import { useFormDialog } from '../cloud/useFormDialog';
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

// A region's password is never known here.
export function RegionForm({ projectId, item: region, onClose, onSaved }: ResourceFormProps<Region>) {
  const { t } = useTranslation();
  const { form, submitting, dialog } = useFormDialog<Values, Region>(FIELDS, onClose, onSaved);
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
    const callbacks = submitting();
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
      update.mutate({ id: region.id, body }, callbacks);
    } else {
      create.mutate({ ...common, project_id: projectId, provider: values.provider, password: values.password ?? '' }, callbacks);
    }
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <FormDialog {...dialog} texts="regions" kind="region" item={region} pending={pending} initialValues={initialValues} onFinish={onFinish}>
      <Form.Item name="provider" label={t('regions.provider')} extra={editing ? t('regions.providerFixed') : undefined}>
        <Radio.Group optionType="button" disabled={editing} options={PROVIDERS.map((p) => ({ value: p, label: t(`cloud.provider.${p}`) }))} />
      </Form.Item>
      <NameFields />
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
    </FormDialog>
  );
}
