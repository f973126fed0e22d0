import { CloudServerOutlined, InboxOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Empty, Space, Table, Typography, theme, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../../app/auth';
import { isAdmin } from '../../app/permissions';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { useHosts } from '../hosts/api';
import { CLUSTER_PAGE_SIZE as PAGE_SIZE, useClusters, useVersions, type Cluster } from './api';
import { DeleteClusterButton, DeleteClusterDialog } from './DeleteCluster';
import { ProjectHealthTag } from './health/HealthTag';
import { ClusterStatusTag, OperationProgress } from './StatusTag';

export default function ClusterList() {
  const { t } = useTranslation();
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const writer = current.canWrite;
  const [page, setPage] = useState(1);
  const [deleting, setDeleting] = useState<Cluster | null>(null);
  const admin = isAdmin(useMe().data);
  const { token } = theme.useToken();
  const list = useClusters(projectId, (page - 1) * PAGE_SIZE, PAGE_SIZE);
  const empty = list.isSuccess && list.data.total === 0;
  // What the first cluster needs: only asked when there is none yet.
  const hosts = useHosts({ projectId, limit: 1, offset: 0 }, !!projectId && empty && writer);
  const versions = useVersions(empty && writer);

  const columns: TableColumnsType<Cluster> = [
    {
      title: t('clusters.name'),
      dataIndex: 'name',
      render: (name: string, c) => (
        <Link to={`/clusters/${c.id}`} data-testid={`cluster-open-${name}`}>
          {name}
        </Link>
      ),
    },
    { title: t('clusters.statusCol'), dataIndex: 'status', render: (_, c) => <ClusterStatusTag cluster={c} /> },
    { title: t('health.col'), key: 'health', render: (_, c) => <ProjectHealthTag projectId={projectId} clusterId={c.id} /> },
    { title: t('clusters.version'), dataIndex: 'version', render: (v: string, c) => `${v} (${c.arch})` },
    {
      title: t('clusters.nodes'),
      key: 'nodes',
      render: (_, c) => {
        const masters = c.nodes.filter((n) => n.role === 'master').length;
        return t('clusters.nodeCount', { count: c.nodes.length, masters, workers: c.nodes.length - masters });
      },
    },
    {
      title: t('clusters.operation'),
      key: 'operation',
      width: 320,
      render: (_, c) =>
        c.operation ? (
          <Link to={`/clusters/${c.id}/operations/${c.operation.id}`} style={{ display: 'block' }}>
            <OperationProgress operation={c.operation} />
          </Link>
        ) : (
          // A plain span: antd's Typography costs ~0.5 ms per row on the first render.
          <span style={{ color: token.colorTextDescription }}>—</span>
        ),
    },
    ...(writer
      ? [{ title: t('common.actions'), key: 'actions', width: 90, render: (_: unknown, c: Cluster) => <DeleteClusterButton cluster={c} onOpen={() => setDeleting(c)} /> }]
      : []),
  ];

  const needsHosts = hosts.isSuccess && hosts.data.total === 0;
  const needsPackage = versions.isSuccess && versions.data.items.length === 0;
  const emptyState = !writer ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('clusters.emptyReader')} data-testid="clusters-empty" />
  ) : (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('clusters.emptyWriter')} data-testid="clusters-empty">
      <Space orientation="vertical">
        <Link to="/clusters/new">
          <Button type="primary" icon={<PlusOutlined />}>
            {t('clusters.create')}
          </Button>
        </Link>
        {needsHosts && (
          <Typography.Text type="secondary" data-testid="clusters-need-hosts">
            {t('clusters.needHosts')} <Link to="/inventory/hosts"><CloudServerOutlined /> {t('nav.hosts')}</Link>
          </Typography.Text>
        )}
        {needsPackage && (
          <Typography.Text type="secondary" data-testid="clusters-need-package">
            {t('clusters.needPackage')} <Link to="/admin/offline-packages"><InboxOutlined /> {t('nav.packages')}</Link>
          </Typography.Text>
        )}
      </Space>
    </Empty>
  );

  return (
    <Card
      title={t('clusters.title')}
      extra={
        writer && (
          <Link to="/clusters/new">
            <Button type="primary" icon={<PlusOutlined />} data-testid="cluster-create">
              {t('clusters.create')}
            </Button>
          </Link>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('clusters.intro')}</Typography.Paragraph>
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Cluster>
          rowKey="id"
          data-testid="cluster-table"
          loading={list.isLoading || current.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: list.isSuccess ? emptyState : <span /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {deleting && <DeleteClusterDialog cluster={deleting} admin={admin} onClose={() => setDeleting(null)} />}
    </Card>
  );
}
