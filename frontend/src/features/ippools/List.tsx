import { EditOutlined, PlusOutlined, UnorderedListOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Input, Progress, Space, Table, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { DeleteAction } from '../cloud/DeleteAction';
import { Addresses } from './Addresses';
import { useDeleteIpPool, useIpPools, type IpPool } from './api';
import { PoolForm } from './PoolForm';

const PAGE_SIZE = 20;

export default function IpPoolList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const writer = current.canWrite;
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<{ pool?: IpPool } | null>(null);
  const [addressesOf, setAddressesOf] = useState<string | null>(null);
  const list = useIpPools({ projectId, q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const remove = useDeleteIpPool();
  const pools = list.data?.items ?? [];
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
    {
      title: t('common.actions'),
      key: 'actions',
      width: 140,
      render: (_, p) => (
        <Space size={0}>
          <Tooltip title={t('ipPools.addresses')}>
            <Button size="small" type="text" icon={<UnorderedListOutlined />} aria-label={t('ipPools.addresses')} onClick={() => setAddressesOf(p.id)} />
          </Tooltip>
          {writer && (
            <>
              <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => setDialog({ pool: p })} />
              <DeleteAction
                name={p.name}
                confirm={t('ipPools.deleteConfirm', { name: p.name })}
                done={t('ipPools.deleted', { name: p.name })}
                onDelete={() => remove.mutateAsync(p.id)}
              />
            </>
          )}
        </Space>
      ),
    },
  ];

  const empty = q ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ipPools.emptyFiltered')} />
  ) : writer ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ipPools.emptyWriter')} data-testid="pools-empty">
      <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})}>
        {t('ipPools.create')}
      </Button>
    </Empty>
  ) : (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('ipPools.emptyReader')} data-testid="pools-empty" />
  );

  return (
    <Card
      title={t('ipPools.title')}
      extra={
        writer && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})} data-testid="pool-create">
            {t('ipPools.create')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('ipPools.intro')}</Typography.Paragraph>
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : (
        <>
          <Space wrap style={{ marginBottom: 16 }}>
            <Input.Search
              allowClear
              placeholder={t('cloud.search')}
              onSearch={(value) => {
                setQ(value.trim());
                setPage(1);
              }}
              style={{ width: 240 }}
            />
          </Space>
          {list.isError ? (
            <QueryError error={list.error} />
          ) : (
            <Table<IpPool>
              rowKey="id"
              data-testid="pool-table"
              loading={list.isLoading || current.isLoading}
              columns={columns}
              dataSource={pools}
              locale={{ emptyText: empty }}
              pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
            />
          )}
        </>
      )}
      {dialog && projectId && (
        <PoolForm
          projectId={projectId}
          pool={dialog.pool}
          onClose={() => setDialog(null)}
          onSaved={(p) => void message.success(t(dialog.pool ? 'ipPools.saved' : 'ipPools.created', { name: p.name }))}
        />
      )}
      {openPool && <Addresses pool={openPool} writer={writer} onClose={() => setAddressesOf(null)} />}
    </Card>
  );
}
