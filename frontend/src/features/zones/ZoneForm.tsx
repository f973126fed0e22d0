import { Alert, Button, Divider, Form, Input, Select, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { FormDialog, NameFields } from '../cloud/FormDialog';
import type { ResourceFormProps } from '../cloud/ResourcePage';
import { useFormDialog } from '../cloud/useFormDialog';
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

export function ZoneForm({ projectId, item: zone, onClose, onSaved }: ResourceFormProps<Zone>) {
  const { t } = useTranslation();
  const { form, submitting, dialog } = useFormDialog<Values, Zone>(FIELDS, onClose, onSaved);
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
    const callbacks = submitting();
    if (!provider) return;
    // Only the settings of the region's provider are sent: the API refuses the others by name.
    const settings: ZoneSettings = {};
    for (const { name } of ZONE_SETTINGS[provider]) {
      const value = values.provider_settings?.[name]?.trim();
      if (value) settings[name] = value;
    }
    const common = { name: values.name.trim(), description: values.description ?? '', ip_pool_id: values.ip_pool_id, provider_settings: settings };
    if (zone) update.mutate({ id: zone.id, body: common }, callbacks);
    else create.mutate({ ...common, project_id: projectId, region_id: values.region_id }, callbacks);
  };

  const required = { required: true, message: t('validation.required') };
  return (
    <FormDialog
      {...dialog}
      texts="zones"
      kind="zone"
      item={zone}
      pending={pending}
      submitDisabled={!editing && (noRegion || noPool)}
      initialValues={initialValues}
      onFinish={onFinish}
      notices={
        <>
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
        </>
      }
    >
      <NameFields />
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
    </FormDialog>
  );
}
