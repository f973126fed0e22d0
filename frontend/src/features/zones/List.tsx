import { Descriptions, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { nameColumn, regionColumn } from '../cloud/columns';
import { RegionFilter } from '../cloud/RegionFilter';
import { ResourcePage } from '../cloud/ResourcePage';
import { useResourceList } from '../cloud/useResourceList';
import { useAllIpPools } from '../ippools/api';
import { useAllRegions } from '../regions/api';
import { ZONE_SETTINGS, useDeleteZone, useZones, type Zone } from './api';
import { ZoneForm } from './ZoneForm';

export default function ZoneList() {
  const { t } = useTranslation();
  const list = useResourceList<Zone>();
  const [regionId, setRegionId] = useState<string | undefined>();
  const query = useZones({ projectId: list.projectId, regionId, q: list.q, ...list.range });
  const regions = useAllRegions(list.projectId);
  const pools = useAllIpPools(list.projectId);
  const remove = useDeleteZone();
  const pool = (id: string) => pools.data?.items.find((p) => p.id === id);

  const columns: TableColumnsType<Zone> = [
    nameColumn(t('cloud.name')),
    regionColumn(t('zones.region'), regions.data?.items),
    {
      title: t('zones.ipPool'),
      dataIndex: 'ip_pool_id',
      render: (id: string) => {
        const p = pool(id);
        return p ? `${p.name} (${p.subnet})` : id;
      },
    },
    {
      title: t('zones.settings'),
      key: 'settings',
      render: (_, z) => (
        <Descriptions size="small" column={1} colon>
          {ZONE_SETTINGS[z.provider]
            .filter(({ name }) => z.provider_settings[name])
            .map(({ name }) => (
              <Descriptions.Item key={name} label={t(`zones.field.${name}`)}>
                {z.provider_settings[name]}
              </Descriptions.Item>
            ))}
        </Descriptions>
      ),
    },
  ];

  return (
    <ResourcePage<Zone>
      list={list}
      texts="zones"
      kind="zone"
      query={query}
      columns={columns}
      onDelete={(id) => remove.mutateAsync(id)}
      filtered={!!regionId}
      filters={<RegionFilter regions={regions.data?.items} value={regionId} onChange={list.filterBy(setRegionId)} />}
      needs={
        regions.isSuccess &&
        regions.data.total === 0 && { description: t('zones.emptyNeedsRegion'), to: '/inventory/regions', action: t('zones.createRegion') }
      }
      form={ZoneForm}
    />
  );
}
