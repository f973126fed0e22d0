import { UnorderedListOutlined } from '@ant-design/icons';
import { Button, Progress, Space, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ResourcePage } from '../cloud/ResourcePage';
import { useResourceList } from '../cloud/useResourceList';
import { Addresses } from './Addresses';
import { useDeleteIpPool, useIpPools, type IpPool } from './api';
import { PoolForm } from './PoolForm';

export default function IpPoolList() {
  const { t } = useTranslation();
  const list = useResourceList<IpPool>();
  const [addressesOf, setAddressesOf] = useState<string | null>(null);
  const query = useIpPools({ projectId: list.projectId, q: list.q, ...list.range });
  const remove = useDeleteIpPool();
  const pools = query.data?.items ?? [];
  // The drawer follows the live list, so its counts stay current.
  const openPool = pools.find((p) => p.id === addressesOf);

  const columns: TableColumnsType<IpPool> = [
    {
      title: t('cloud.name'),
      dataIndex: 'name',
      render: (name: string, p) => (
        <Space orientation="vertical" size={0}>
          <Button type="link" style={{ padding: 0 }} onClick={() => setAddressesOf(p.id)} data-testid={`pool-open-${name}`}>
            {name}
          </Button>
          {p.description && <Typography.Text type="secondary">{p.description}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('ipPools.subnet'),
      dataIndex: 'subnet',
      render: (subnet: string, p) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text code>{subnet}</Typography.Text>
          <Typography.Text type="secondary">
            {t('ipPools.gateway')}: {p.gateway}
          </Typography.Text>
          {p.dns.length > 0 && (
            <Typography.Text type="secondary">
              {t('ipPools.dns')}: {p.dns.join(', ')}
            </Typography.Text>
          )}
        </Space>
      ),
    },
    {
      title: t('ipPools.ranges'),
      dataIndex: 'ranges',
      render: (ranges: IpPool['ranges']) => (
        <Space orientation="vertical" size={0}>
          {ranges.map((r) => (
            <span key={r.start}>{`${r.start} – ${r.end}`}</span>
          ))}
        </Space>
      ),
    },
    {
      title: t('ipPools.usage'),
      key: 'usage',
      width: 280,
      render: (_, p) => {
        const used = p.counts.allocated + p.counts.in_use;
        return (
          <Tooltip title={t('ipPools.usageValue', { allocated: p.counts.allocated, inUse: p.counts.in_use, free: p.counts.free, size: p.size })}>
            <Space orientation="vertical" size={0} style={{ width: '100%' }} data-testid="pool-usage">
              <Progress
                size="small"
                percent={p.size ? Math.round((used / p.size) * 100) : 0}
                success={{ percent: p.size ? Math.round((p.counts.allocated / p.size) * 100) : 0 }}
                showInfo={false}
              />
              <Typography.Text type="secondary">
                {t('ipPools.usageValue', { allocated: p.counts.allocated, inUse: p.counts.in_use, free: p.counts.free, size: p.size })}
              </Typography.Text>
            </Space>
          </Tooltip>
        );
      },
    },
  ];

  return (
    <ResourcePage<IpPool>
      list={list}
      texts="ipPools"
      kind="pool"
      query={query}
      columns={columns}
      onDelete={(id) => remove.mutateAsync(id)}
      rowActions={(p) => (
        <Tooltip title={t('ipPools.addresses')}>
          <Button size="small" type="text" icon={<UnorderedListOutlined />} aria-label={t('ipPools.addresses')} onClick={() => setAddressesOf(p.id)} />
        </Tooltip>
      )}
      actionsWidth={140}
      form={PoolForm}
    >
      {openPool && <Addresses pool={openPool} writer={list.writer} onClose={() => setAddressesOf(null)} />}
    </ResourcePage>
  );
}
