import { Space, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { nameColumn, regionColumn } from '../cloud/columns';
import { RegionFilter } from '../cloud/RegionFilter';
import { ResourcePage } from '../cloud/ResourcePage';
import { useResourceList } from '../cloud/useResourceList';
import { useAllRegions } from '../regions/api';
import { useAllZones } from '../zones/api';
import { useDeletePlan, usePlans, type Plan, type PlanSize } from './api';
import { Placement } from './Placement';
import { PlanForm } from './PlanForm';

export default function PlanList() {
  const { t } = useTranslation();
  const list = useResourceList<Plan>();
  const [regionId, setRegionId] = useState<string | undefined>();
  const query = usePlans({ projectId: list.projectId, regionId, q: list.q, ...list.range });
  const regions = useAllRegions(list.projectId);
  const zones = useAllZones(list.projectId);
  const remove = useDeletePlan();
  const zoneName = (id: string) => zones.data?.items.find((z) => z.id === id)?.name ?? id;
  const size = (s: PlanSize) =>
    s.flavor ?? t('plans.sizeValue', { cpus: s.cpus ?? '?', memory: s.memory_gib ?? '?', disk: s.disk_gib ?? '?' });

  const columns: TableColumnsType<Plan> = [
    nameColumn(t('cloud.name')),
    regionColumn(t('plans.region'), regions.data?.items),
    {
      title: t('plans.topology'),
      key: 'shape',
      render: (_, p) => (
        <Space orientation="vertical" size={0}>
          <span>
            {t(`plans.topologies.${p.topology}`)} · {p.worker_count} {t('plans.workers')}
          </span>
          <Typography.Text type="secondary">
            {t('plans.masterSize')}: {size(p.master_size)}
          </Typography.Text>
          <Typography.Text type="secondary">
            {t('plans.workerSize')}: {size(p.worker_size)}
          </Typography.Text>
        </Space>
      ),
    },
    {
      title: t('plans.placement'),
      key: 'placement',
      render: (_, p) => <Placement masters={p.placement.masters} workers={p.placement.workers} zoneName={zoneName} />,
    },
  ];

  return (
    <ResourcePage<Plan>
      list={list}
      texts="plans"
      kind="plan"
      query={query}
      columns={columns}
      onDelete={(id) => remove.mutateAsync(id)}
      filtered={!!regionId}
      filters={<RegionFilter regions={regions.data?.items} value={regionId} onChange={list.filterBy(setRegionId)} />}
      needs={zones.isSuccess && zones.data.total === 0 && { description: t('plans.emptyNeedsZone'), to: '/inventory/zones', action: t('plans.createZone') }}
      form={PlanForm}
    />
  );
}
