import { Select, Space, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormatTime } from '../../app/format';
import { nameColumn } from '../cloud/columns';
import { ProviderTag } from '../cloud/ProviderTag';
import { ResourcePage } from '../cloud/ResourcePage';
import { useResourceList } from '../cloud/useResourceList';
import { PROVIDERS, useDeleteRegion, useRegions, type Provider, type Region } from './api';
import { RegionForm } from './RegionForm';

export default function RegionList() {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const list = useResourceList<Region>();
  const [provider, setProvider] = useState<Provider | undefined>();
  const query = useRegions({ projectId: list.projectId, q: list.q, provider, ...list.range });
  const remove = useDeleteRegion();

  const columns: TableColumnsType<Region> = [
    nameColumn(t('cloud.name')),
    { title: t('regions.provider'), dataIndex: 'provider', render: (p: Provider) => <ProviderTag provider={p} /> },
    {
      title: t('regions.endpoint'),
      dataIndex: 'endpoint',
      render: (endpoint: string, r) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text copyable>{endpoint}</Typography.Text>
          {r.insecure_tls && <Tag color="orange">{t('regions.insecureTag')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('regions.datacenter'),
      dataIndex: 'datacenter',
      render: (dc: string, r) => (r.provider === 'openstack' && r.project_name ? `${dc} · ${r.project_name}@${r.domain_name ?? ''}` : dc),
    },
    {
      title: t('regions.username'),
      dataIndex: 'username',
      render: (user: string, r) => (
        <Space orientation="vertical" size={0}>
          <span>{user}</span>
          <Typography.Text type="secondary">{r.has_password ? t('regions.passwordStored') : t('regions.noPassword')}</Typography.Text>
        </Space>
      ),
    },
    { title: t('common.updatedAt'), dataIndex: 'updated_at', render: (v: string) => formatTime(v) },
  ];

  return (
    <ResourcePage<Region>
      list={list}
      texts="regions"
      kind="region"
      query={query}
      columns={columns}
      onDelete={(id) => remove.mutateAsync(id)}
      filtered={!!provider}
      filters={
        <Select<Provider>
          allowClear
          placeholder={t('regions.anyProvider')}
          style={{ width: 180 }}
          value={provider}
          onChange={list.filterBy(setProvider)}
          options={PROVIDERS.map((p) => ({ value: p, label: t(`cloud.provider.${p}`) }))}
        />
      }
      form={RegionForm}
    />
  );
}
