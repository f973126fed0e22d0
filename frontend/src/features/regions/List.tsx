import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Input, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormatTime } from '../../app/format';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { DeleteAction } from '../cloud/DeleteAction';
import { ProviderTag } from '../cloud/ProviderTag';
import { PROVIDERS, useDeleteRegion, useRegions, type Provider, type Region } from './api';
import { RegionForm } from './RegionForm';

const PAGE_SIZE = 20;

export default function RegionList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const writer = current.canWrite;
  const [q, setQ] = useState('');
  const [provider, setProvider] = useState<Provider | undefined>();
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<{ region?: Region } | null>(null);
  const list = useRegions({ projectId, q, provider, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const remove = useDeleteRegion();

  const columns: TableColumnsType<Region> = [
    {
      title: t('cloud.name'),
      dataIndex: 'name',
      render: (name: string, r) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          {r.description && <Typography.Text type="secondary">{r.description}</Typography.Text>}
        </Space>
      ),
    },
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
  if (writer) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 110,
      render: (_, r) => (
        <Space size={0}>
          <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => setDialog({ region: r })} />
          <DeleteAction
            name={r.name}
            confirm={t('regions.deleteConfirm', { name: r.name })}
            done={t('regions.deleted', { name: r.name })}
            onDelete={() => remove.mutateAsync(r.id)}
          />
        </Space>
      ),
    });
  }

  const empty =
    q || provider ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('regions.emptyFiltered')} />
    ) : writer ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('regions.emptyWriter')} data-testid="regions-empty">
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})}>
          {t('regions.create')}
        </Button>
      </Empty>
    ) : (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('regions.emptyReader')} data-testid="regions-empty" />
    );

  return (
    <Card
      title={t('regions.title')}
      extra={
        writer && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})} data-testid="region-create">
            {t('regions.create')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('regions.intro')}</Typography.Paragraph>
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
            <Select<Provider>
              allowClear
              placeholder={t('regions.anyProvider')}
              style={{ width: 180 }}
              value={provider}
              onChange={(value) => {
                setProvider(value);
                setPage(1);
              }}
              options={PROVIDERS.map((p) => ({ value: p, label: t(`cloud.provider.${p}`) }))}
            />
          </Space>
          {list.isError ? (
            <QueryError error={list.error} />
          ) : (
            <Table<Region>
              rowKey="id"
              data-testid="region-table"
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
        <RegionForm
          projectId={projectId}
          region={dialog.region}
          onClose={() => setDialog(null)}
          onSaved={(r) => void message.success(t(dialog.region ? 'regions.saved' : 'regions.created', { name: r.name }))}
        />
      )}
    </Card>
  );
}
