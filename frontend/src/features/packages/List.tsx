import { CloudUploadOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/auth';
import { useFormatTime } from '../../app/format';
import { isAdmin } from '../../app/permissions';
import { QueryError } from '../../app/QueryError';
import { DeleteAction } from '../cloud/DeleteAction';
import { formatBytes } from '../hosts/facts';
import { packagesKey, useDeletePackage, usePackages, useVersions, type OfflinePackage, type PackageStatus } from './api';
import { Contents } from './Contents';
import { ImportPackage } from './ImportPackage';
import { PackageStatusTag } from './StatusTag';

const PAGE_SIZE = 20;
const STATUSES: PackageStatus[] = ['importing', 'ready', 'failed'];

export default function PackageList() {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const admin = isAdmin(useMe().data);
  const [status, setStatus] = useState<PackageStatus | undefined>();
  const [page, setPage] = useState(1);
  const [importing, setImporting] = useState(false);
  const [openId, setOpenId] = useState<string | null>(null);
  const list = usePackages({ status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const versions = useVersions();
  const remove = useDeletePackage();
  const queryClient = useQueryClient();
  const importingCount = list.data?.items.filter((p) => p.status === 'importing').length ?? 0;
  // An import that ended (seen by polling the list) may have made a version deployable.
  const wasImporting = useRef(0);
  useEffect(() => {
    if (importingCount < wasImporting.current) void queryClient.invalidateQueries({ queryKey: [...packagesKey, 'versions'] });
    wasImporting.current = importingCount;
  }, [importingCount, queryClient]);

  const columns: TableColumnsType<OfflinePackage> = [
    {
      title: t('packages.version'),
      dataIndex: 'kubernetes_version',
      render: (version: string, p) => (
        <Button type="link" style={{ padding: 0 }} onClick={() => setOpenId(p.id)} data-testid={`package-open-${version}-${p.arch}`}>
          {version}
        </Button>
      ),
    },
    { title: t('packages.arch'), dataIndex: 'arch' },
    { title: t('packages.statusCol'), dataIndex: 'status', render: (_, p) => <PackageStatusTag pkg={p} /> },
    { title: t('packages.size'), dataIndex: 'size', render: (s: number) => formatBytes(s) },
    { title: t('packages.artifactCount'), dataIndex: 'artifact_count' },
    {
      title: t('packages.importedAt'),
      key: 'imported',
      render: (_, p) => (
        <Space orientation="vertical" size={0}>
          <span>{formatTime(p.imported_at ?? p.created_at)}</span>
          <Typography.Text type="secondary">{p.imported_by}</Typography.Text>
        </Space>
      ),
    },
  ];
  if (admin) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 90,
      render: (_, p) => {
        const label = { version: p.kubernetes_version, arch: p.arch };
        return (
          <DeleteAction
            name={`Kubernetes ${p.kubernetes_version} (${p.arch})`}
            confirm={t('packages.deleteConfirm', label)}
            done={t('packages.deleted', label)}
            disabledReason={p.status === 'importing' ? t('packages.deleteWhileImporting') : undefined}
            onDelete={() => remove.mutateAsync(p.id)}
          />
        );
      },
    });
  }

  const empty = status ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('packages.emptyFiltered')} />
  ) : admin ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('packages.emptyAdmin')} data-testid="packages-empty">
      <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setImporting(true)}>
        {t('packages.import')}
      </Button>
    </Empty>
  ) : (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('packages.emptyReader')} data-testid="packages-empty" />
  );

  const deployable = versions.data?.items ?? [];
  return (
    <Card
      title={t('packages.title')}
      extra={
        admin && (
          <Button type="primary" icon={<CloudUploadOutlined />} onClick={() => setImporting(true)} data-testid="package-import">
            {t('packages.import')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('packages.intro')}</Typography.Paragraph>
      <Space wrap style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }}>
        <Select<PackageStatus>
          allowClear
          placeholder={t('packages.anyStatus')}
          style={{ width: 180 }}
          value={status}
          onChange={(value) => {
            setStatus(value);
            setPage(1);
          }}
          options={STATUSES.map((s) => ({ value: s, label: t(`packages.status.${s}`) }))}
        />
        <Space size={4} wrap data-testid="deployable-versions">
          <Typography.Text type="secondary">{t('packages.versions')}:</Typography.Text>
          {deployable.length === 0 ? (
            <Typography.Text type="secondary">{t('packages.noVersions')}</Typography.Text>
          ) : (
            deployable.map((v) => <Tag key={v.package_id} color="green">{`${v.kubernetes_version} (${v.arch})`}</Tag>)
          )}
        </Space>
      </Space>
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<OfflinePackage>
          rowKey="id"
          data-testid="package-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: empty }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {importing && <ImportPackage onClose={() => setImporting(false)} />}
      {openId && <Contents packageId={openId} onClose={() => setOpenId(null)} />}
    </Card>
  );
}
