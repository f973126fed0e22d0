import { Alert, Button, Divider, Form, Input, Modal, Select, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { applyApiError } from '../../app/errors';
import { useAllIpPools } from '../ippools/api';
import { useAllRegions } from '../regions/api';
import { ZONE_SETTINGS, useCreateZone, useUpdateZone, type Zone, type ZoneSettings } from './api';

interface Values {
  name: string;
  description?: string;
  region_id: string;
  ip_pool_id: string;
  provider_settings: Partial<Record<keyof ZoneSettings, string>>;
}

const SETTING_NAMES = Object.values(ZONE_SETTINGS).flatMap((fields) => fields.map((f) => f.name));
const FIELDS = ['name', 'description', 'region_id', 'ip_pool_id', 'provider_settings', ...SETTING_NAMES.map((n) => `provider_settings.${n}`)];

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  projectId: string;
  zone?: Zone;
  onClose: () => void;
  onSaved?: (zone: Zone) => void;
}

export function ZoneForm({ projectId, zone, onClose, onSaved }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateZone();
  const update = useUpdateZone();
  const regions = useAllRegions(projectId);
  const pools = useAllIpPools(projectId);
  const editing = !!zone;
  const pending = create.isPending || update.isPending;
  const regionId: string | undefined = Form.useWatch('region_id', form) ?? zone?.region_id;
  const region = regions.data?.items.find((r) => r.id === regionId);
  const provider = region?.provider ?? zone?.provider;
  const noRegion = regions.isSuccess && regions.data.total === 0;
  const noPool = pools.isSuccess && pools.data.total === 0;

  const initialValues: Partial<Values> = zone
    ? {
        name: zone.name,
        description: zone.description,
        region_id: zone.region_id,
        ip_pool_id: zone.ip_pool_id,
        provider_settings: Object.fromEntries(Object.entries(zone.provider_settings).filter(([, v]) => v != null)),
      }
    : {};

  const onFinish = (values: Values) => {
    setFormError(null);
    if (!provider) return;
    const onError = (error: unknown) => setFormError(applyApiError(form, error, FIELDS, t));
    const onSuccess = (saved: Zone) => {
      onSaved?.(saved);
      onClose();
    };
    // Only the settings of the region's provider are sent: the API refuses the others by name.
    const settings: ZoneSettings = {};
    for (const { name } of ZONE_SETTINGS[provider]) {
      const value = values.provider_settings?.[name]?.trim();
      if (value) settings[name] = value;
    }
    const common = { name: values.name.trim(), description: values.description ?? '', ip_pool_id: values.ip_pool_id, provider_settings: settings };
    if (zone) update.mutate({ id: zone.id, body: common }, { onSuccess, onError });
    else create.mutate({ ...common, project_id: projectId, region_id: values.region_id }, { onSuccess, onError });
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <Modal
      open
      title={editing ? t('zones.editTitle', { name: zone.name }) : t('zones.createTitle')}
      okText={editing ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'zone-submit', disabled: !editing && (noRegion || noPool) }}
      confirmLoading={pending}
      onOk={() => form.submit()}
      onCancel={onClose}
      mask={{ closable: !pending }}
    >
      {noRegion && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('zones.noRegionYet')}
          action={
            <Link to="/inventory/regions">
              <Button size="small">{t('zones.createRegion')}</Button>
            </Link>
          }
        />
      )}
      {noPool && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('zones.noPoolYet')}
          action={
            <Link to="/inventory/ip-pools">
              <Button size="small">{t('zones.createPool')}</Button>
            </Link>
          }
        />
      )}
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="zone" initialValues={initialValues} disabled={pending}>
        <Form.Item name="name" label={t('cloud.name')} extra={t('cloud.nameHint')} rules={[required]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea rows={2} maxLength={512} />
        </Form.Item>
        <Form.Item name="region_id" label={t('zones.region')} extra={editing ? t('zones.regionFixed') : undefined} rules={[required]}>
          <Select
            disabled={editing}
            loading={regions.isLoading}
            showSearch={{ optionFilterProp: 'label' }}
            options={regions.data?.items.map((r) => ({ value: r.id, label: `${r.name} (${t(`cloud.provider.${r.provider}`)})` }))}
          />
        </Form.Item>
        <Form.Item name="ip_pool_id" label={t('zones.ipPool')} extra={t('zones.ipPoolHint')} rules={[required]}>
          <Select
            loading={pools.isLoading}
            showSearch={{ optionFilterProp: 'label' }}
            options={pools.data?.items.map((p) => ({ value: p.id, label: `${p.name} (${p.subnet})` }))}
          />
        </Form.Item>
        <Divider titlePlacement="start" plain>
          {t('zones.settings')} {provider && `· ${t(`cloud.provider.${provider}`)}`}
        </Divider>
        {!provider ? (
          <Typography.Text type="secondary">{t('zones.chooseRegion')}</Typography.Text>
        ) : (
          ZONE_SETTINGS[provider].map(({ name, required: needed }) => (
            <Form.Item
              key={`${provider}-${name}`}
              name={['provider_settings', name]}
              label={needed ? t(`zones.field.${name}`) : `${t(`zones.field.${name}`)} ${t('zones.optional')}`}
              extra={t(`zones.hint.${name}`)}
              rules={needed ? [required] : []}
            >
              <Input maxLength={255} />
            </Form.Item>
          ))
        )}
      </Form>
    </Modal>
  );
}
