import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Empty, Input, Select, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { DeleteAction } from '../cloud/DeleteAction';
import { useAllIpPools } from '../ippools/api';
import { useAllRegions } from '../regions/api';
import { ProviderTag } from '../cloud/ProviderTag';
import { ZONE_SETTINGS, useDeleteZone, useZones, type Zone } from './api';
import { ZoneForm } from './ZoneForm';

const PAGE_SIZE = 20;

export default function ZoneList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const writer = current.canWrite;
  const [q, setQ] = useState('');
  const [regionId, setRegionId] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<{ zone?: Zone } | null>(null);
  const list = useZones({ projectId, regionId, q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const regions = useAllRegions(projectId);
  const pools = useAllIpPools(projectId);
  const remove = useDeleteZone();
  const regionName = (id: string) => regions.data?.items.find((r) => r.id === id)?.name ?? id;
  const pool = (id: string) => pools.data?.items.find((p) => p.id === id);

  const columns: TableColumnsType<Zone> = [
    {
      title: t('cloud.name'),
      dataIndex: 'name',
      render: (name: string, z) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          {z.description && <Typography.Text type="secondary">{z.description}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('zones.region'),
      dataIndex: 'region_id',
      render: (id: string, z) => (
        <Space size={4}>
          <span>{regionName(id)}</span>
          <ProviderTag provider={z.provider} />
        </Space>
      ),
    },
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
  if (writer) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 110,
      render: (_, z) => (
        <Space size={0}>
          <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => setDialog({ zone: z })} />
          <DeleteAction
            name={z.name}
            confirm={t('zones.deleteConfirm', { name: z.name })}
            done={t('zones.deleted', { name: z.name })}
            onDelete={() => remove.mutateAsync(z.id)}
          />
        </Space>
      ),
    });
  }

  const noRegion = regions.isSuccess && regions.data.total === 0;
  const empty =
    q || regionId ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('zones.emptyFiltered')} />
    ) : !writer ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('zones.emptyReader')} data-testid="zones-empty" />
    ) : noRegion ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('zones.emptyNeedsRegion')} data-testid="zones-empty">
        <Link to="/inventory/regions">
          <Button type="primary" icon={<PlusOutlined />}>
            {t('zones.createRegion')}
          </Button>
        </Link>
      </Empty>
    ) : (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('zones.emptyWriter')} data-testid="zones-empty">
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})}>
          {t('zones.create')}
        </Button>
      </Empty>
    );

  return (
    <Card
      title={t('zones.title')}
      extra={
        writer && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})} data-testid="zone-create">
            {t('zones.create')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('zones.intro')}</Typography.Paragraph>
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
            <Select<string>
              allowClear
              placeholder={t('zones.anyRegion')}
              style={{ width: 200 }}
              value={regionId}
              onChange={(value) => {
                setRegionId(value);
                setPage(1);
              }}
              options={regions.data?.items.map((r) => ({ value: r.id, label: r.name }))}
            />
          </Space>
          {list.isError ? (
            <QueryError error={list.error} />
          ) : (
            <Table<Zone>
              rowKey="id"
              data-testid="zone-table"
              loading={list.isLoading || current.isLoading}
              columns={columns}
              dataSource={list.data?.items ?? []}
              locale={{ emptyText: empty }}
              pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
            />
          )}
        </>
      )}
      {dialog && projectId && (
        <ZoneForm
          projectId={projectId}
          zone={dialog.zone}
          onClose={() => setDialog(null)}
          onSaved={(z) => void message.success(t(dialog.zone ? 'zones.saved' : 'zones.created', { name: z.name }))}
        />
      )}
    </Card>
  );
}
