import { Button, Divider, Form, Input, InputNumber, Radio, Select, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { FormDialog, NameFields } from '../cloud/FormDialog';
import type { ResourceFormProps } from '../cloud/ResourcePage';
import { useFormDialog } from '../cloud/useFormDialog';
import { useAllRegions, type Provider } from '../regions/api';
import { useAllZones } from '../zones/api';
import { SIZE_FIELDS, useCreatePlan, useUpdatePlan, type Plan, type PlanSize, type Topology } from './api';
import { placeVms } from './placement';
import { Placement } from './Placement';

interface Values {
  name: string;
  description?: string;
  region_id: string;
  topology: Topology;
  worker_count: number;
  master_size: PlanSize;
  worker_size: PlanSize;
  zone_ids: string[];
}

const SIZES = ['cpus', 'memory_gib', 'disk_gib', 'flavor'];
const FIELDS = [
  'name',
  'description',
  'region_id',
  'topology',
  'worker_count',
  'zone_ids',
  'master_size',
  'worker_size',
  ...SIZES.flatMap((s) => [`master_size.${s}`, `worker_size.${s}`]),
];

const SIZE_LABEL = { cpus: 'plans.cpus', memory_gib: 'plans.memoryGib', disk_gib: 'plans.diskGib', flavor: 'plans.flavor' } as const;
const VSPHERE_DEFAULTS: Record<'master_size' | 'worker_size', PlanSize> = {
  master_size: { cpus: 2, memory_gib: 4, disk_gib: 50 },
  worker_size: { cpus: 4, memory_gib: 8, disk_gib: 100 },
};

function pick(size: PlanSize, provider: Provider): PlanSize {
  return Object.fromEntries(SIZE_FIELDS[provider].map((k) => [k, typeof size[k] === 'string' ? size[k].trim() : size[k]]));
}

export function PlanForm({ projectId, item: plan, onClose, onSaved }: ResourceFormProps<Plan>) {
  const { t } = useTranslation();
  const { form, submitting, dialog } = useFormDialog<Values, Plan>(FIELDS, onClose, onSaved);
  const create = useCreatePlan();
  const update = useUpdatePlan();
  const regions = useAllRegions(projectId);
  const zones = useAllZones(projectId);
  const pending = create.isPending || update.isPending;
  const regionId: string | undefined = Form.useWatch('region_id', form) ?? plan?.region_id;
  const topology: Topology = Form.useWatch('topology', form) ?? plan?.topology ?? 'single';
  const workerCount: number = Form.useWatch('worker_count', form) ?? plan?.worker_count ?? 0;
  const zoneIds: string[] = Form.useWatch('zone_ids', form) ?? plan?.zone_ids ?? [];
  const provider = regions.data?.items.find((r) => r.id === regionId)?.provider ?? plan?.provider;
  const regionZones = zones.data?.items.filter((z) => z.region_id === regionId) ?? [];
  const zoneName = (id: string) => zones.data?.items.find((z) => z.id === id)?.name ?? id;

  const initialValues: Partial<Values> = plan
    ? {
        name: plan.name,
        description: plan.description,
        region_id: plan.region_id,
        topology: plan.topology,
        worker_count: plan.worker_count,
        master_size: plan.master_size,
        worker_size: plan.worker_size,
        zone_ids: plan.zone_ids,
      }
    : { topology: 'single', worker_count: 1, ...VSPHERE_DEFAULTS, zone_ids: [] };

  const onFinish = (values: Values) => {
    const callbacks = submitting();
    if (!provider) return;
    const body = {
      name: values.name.trim(),
      description: values.description ?? '',
      region_id: values.region_id,
      topology: values.topology,
      worker_count: values.worker_count,
      // Only the size fields of the region's provider: the API refuses the others by name.
      master_size: pick(values.master_size ?? {}, provider),
      worker_size: pick(values.worker_size ?? {}, provider),
      zone_ids: values.zone_ids,
    };
    if (plan) update.mutate({ id: plan.id, body }, callbacks);
    else create.mutate({ ...body, project_id: projectId }, callbacks);
  };

  const required = { required: true, message: t('validation.required') };
  const sizeFields = (which: 'master_size' | 'worker_size') =>
    provider && (
      <Space align="start" wrap>
        {SIZE_FIELDS[provider].map((field) => (
          <Form.Item key={field} name={[which, field]} label={t(SIZE_LABEL[field])} rules={[required]} extra={field === 'flavor' ? t('plans.flavorHint') : undefined}>
            {field === 'flavor' ? (
              <Input maxLength={255} style={{ width: 240 }} />
            ) : (
              <InputNumber min={field === 'disk_gib' ? 10 : 1} precision={0} style={{ width: 120 }} />
            )}
          </Form.Item>
        ))}
      </Space>
    );

  return (
    <FormDialog {...dialog} texts="plans" kind="plan" item={plan} width={680} pending={pending} initialValues={initialValues} onFinish={onFinish}>
      <NameFields />
      <Form.Item name="region_id" label={t('plans.region')} rules={[required]}>
        <Select
          loading={regions.isLoading}
          showSearch={{ optionFilterProp: 'label' }}
          onChange={() => form.setFieldValue('zone_ids', [])}
          options={regions.data?.items.map((r) => ({ value: r.id, label: `${r.name} (${t(`cloud.provider.${r.provider}`)})` }))}
        />
      </Form.Item>
      <Space align="start" wrap>
        <Form.Item name="topology" label={t('plans.topology')} extra={t('plans.topologyHint')}>
          <Radio.Group
            optionType="button"
            options={(['single', 'ha'] as const).map((v) => ({ value: v, label: t(`plans.topologies.${v}`) }))}
          />
        </Form.Item>
        <Form.Item name="worker_count" label={t('plans.workerCount')} rules={[required]}>
          <InputNumber min={0} max={100} precision={0} style={{ width: 120 }} />
        </Form.Item>
      </Space>
      {!provider ? (
        <Typography.Paragraph type="secondary">{t('plans.chooseRegion')}</Typography.Paragraph>
      ) : (
        <>
          <Divider titlePlacement="start" plain>
            {t('plans.masterSize')}
          </Divider>
          {sizeFields('master_size')}
          <Divider titlePlacement="start" plain>
            {t('plans.workerSize')}
          </Divider>
          {sizeFields('worker_size')}
          <Form.Item name="zone_ids" label={t('plans.zones')} extra={t('plans.zonesHint')} rules={[required]}>
            <Select
              mode="multiple"
              loading={zones.isLoading}
              options={regionZones.map((z) => ({ value: z.id, label: z.name }))}
              notFoundContent={
                <Space>
                  {t('plans.noZonesInRegion')}
                  <Link to="/inventory/zones">
                    <Button size="small">{t('plans.createZone')}</Button>
                  </Link>
                </Space>
              }
            />
          </Form.Item>
          {zoneIds.length > 0 && (
            <Form.Item label={t('plans.placementPreview')}>
              <Placement
                masters={placeVms(zoneIds, topology === 'ha' ? 3 : 1)}
                workers={placeVms(zoneIds, workerCount ?? 0)}
                zoneName={zoneName}
              />
            </Form.Item>
          )}
        </>
      )}
    </FormDialog>
  );
}
