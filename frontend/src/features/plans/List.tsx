import { EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Input, Select, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { DeleteAction } from '../cloud/DeleteAction';
import { ProviderTag } from '../cloud/ProviderTag';
import { useAllRegions } from '../regions/api';
import { useAllZones } from '../zones/api';
import { useDeletePlan, usePlans, type Plan, type PlanSize } from './api';
import { Placement } from './Placement';
import { PlanForm } from './PlanForm';

const PAGE_SIZE = 20;

export default function PlanList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const writer = current.canWrite;
  const [q, setQ] = useState('');
  const [regionId, setRegionId] = useState<string | undefined>();
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<{ plan?: Plan } | null>(null);
  const list = usePlans({ projectId, regionId, q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const regions = useAllRegions(projectId);
  const zones = useAllZones(projectId);
  const remove = useDeletePlan();
  const regionName = (id: string) => regions.data?.items.find((r) => r.id === id)?.name ?? id;
  const zoneName = (id: string) => zones.data?.items.find((z) => z.id === id)?.name ?? id;
  const size = (s: PlanSize) =>
    s.flavor ?? t('plans.sizeValue', { cpus: s.cpus ?? '?', memory: s.memory_gib ?? '?', disk: s.disk_gib ?? '?' });

  const columns: TableColumnsType<Plan> = [
    {
      title: t('cloud.name'),
      dataIndex: 'name',
      render: (name: string, p) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          {p.description && <Typography.Text type="secondary">{p.description}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('plans.region'),
      dataIndex: 'region_id',
      render: (id: string, p) => (
        <Space size={4}>
          <span>{regionName(id)}</span>
          <ProviderTag provider={p.provider} />
        </Space>
      ),
    },
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
  if (writer) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 110,
      render: (_, p) => (
        <Space size={0}>
          <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => setDialog({ plan: p })} />
          <DeleteAction
            name={p.name}
            confirm={t('plans.deleteConfirm', { name: p.name })}
            done={t('plans.deleted', { name: p.name })}
            onDelete={() => remove.mutateAsync(p.id)}
          />
        </Space>
      ),
    });
  }

  const noZone = zones.isSuccess && zones.data.total === 0;
  const empty =
    q || regionId ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('plans.emptyFiltered')} />
    ) : !writer ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('plans.emptyReader')} data-testid="plans-empty" />
    ) : noZone ? (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('plans.emptyNeedsZone')} data-testid="plans-empty">
        <Link to="/inventory/zones">
          <Button type="primary" icon={<PlusOutlined />}>
            {t('plans.createZone')}
          </Button>
        </Link>
      </Empty>
    ) : (
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('plans.emptyWriter')} data-testid="plans-empty">
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})}>
          {t('plans.create')}
        </Button>
      </Empty>
    );

  return (
    <Card
      title={t('plans.title')}
      extra={
        writer && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({})} data-testid="plan-create">
            {t('plans.create')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('plans.intro')}</Typography.Paragraph>
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
            <Table<Plan>
              rowKey="id"
              data-testid="plan-table"
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
        <PlanForm
          projectId={projectId}
          plan={dialog.plan}
          onClose={() => setDialog(null)}
          onSaved={(p) => void message.success(t(dialog.plan ? 'plans.saved' : 'plans.created', { name: p.name }))}
        />
      )}
    </Card>
  );
}
