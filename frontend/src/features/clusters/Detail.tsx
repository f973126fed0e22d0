import { ArrowLeftOutlined, DownloadOutlined } from '@ant-design/icons';
import { App, Button, Card, Descriptions, Space, Table, Tabs, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { useFormatTime } from '../../app/format';
import { canWrite } from '../../app/permissions';
import { QueryError } from '../../app/QueryError';
import { AdvancedSettings } from './AdvancedSettings';
import { Backups } from './backups/Backups';
import { Certificates } from './certificates/Certificates';
import { useClusterHealth } from './health/api';
import { Health } from './health/Health';
import { HealthTag } from './health/HealthTag';
import { AlertsBadge } from '../alerts/AlertsBadge';
import { Monitoring } from './monitoring/Monitoring';
import { KubeEvents } from '../kubeevents/KubeEvents';
import type { AdvancedSpec } from './create/advanced';
import { downloadKubeconfig, useCluster, useOperations, type Node, type Operation } from './api';
import { DeleteCluster } from './DeleteCluster';
import { formatDuration, kindLabel, phaseLabel } from './format';
import { ClusterStatusTag, NodeStatusTag, OperationProgress, OperationStatusTag } from './StatusTag';
import { AddMasters } from './masters/AddMasters';
import { removeMasterBlocked } from './masters/masters';
import { RemoveMasterButton, RemoveMasterDialog } from './masters/RemoveMaster';
import { UpgradeCluster } from './upgrade/Upgrade';
import { AddWorkers } from './workers/AddWorkers';
import { NotReadyWorkers, RebuildWorkerButton, RebuildWorkerDialog } from './workers/RebuildWorker';
import { RemoveWorkerButton, RemoveWorkerDialog } from './workers/RemoveWorker';
import { workersBlocked } from './workers/workers';
import { ClusterVms } from './vms/ClusterVms';
import { provisioningOf } from './vms/provisioning';

type Spec = {
  topology?: string;
  network?: { plugin?: string; pod_cidr?: string; service_cidr?: string; proxy_mode?: string; dns_domain?: string };
  load_balancer?: { mode?: string; vip?: string | null; port?: number };
  ingress?: { enabled?: boolean; controller?: string };
  storage?: { provisioner?: string; nfs_server?: string | null; nfs_path?: string | null };
  f5?: { enabled?: boolean; url?: string | null };
  addons?: { metrics_server?: boolean; helm?: boolean };
  runtime?: { name?: string; registry_mirrors?: string[] };
  advanced?: Partial<AdvancedSpec>;
};

export default function ClusterDetail() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const { clusterId } = useParams();
  const me = useMe().data;
  const cluster = useCluster(clusterId);
  const operations = useOperations(clusterId);
  const health = useClusterHealth(clusterId ?? '');
  const [downloading, setDownloading] = useState(false);
  const [removing, setRemoving] = useState<Node | null>(null);
  const [rebuilding, setRebuilding] = useState<Node | null>(null);
  const [removingMaster, setRemovingMaster] = useState<Node | null>(null);

  if (cluster.isError) return <QueryError error={cluster.error} />;
  const c = cluster.data;
  const writer = !!c && canWrite(me, c.project_id);
  const spec = (c?.spec ?? {}) as Spec;
  const blocked = c ? workersBlocked(me, c) : 'readOnly';
  const on = (v: boolean | undefined) => (v ? t('wizard.review.on') : t('wizard.review.off'));

  const getKubeconfig = () => {
    if (!c) return;
    setDownloading(true);
    downloadKubeconfig(c)
      .catch((error: unknown) => void message.error(describeError(t, error)))
      .finally(() => setDownloading(false));
  };

  const nodeColumns: TableColumnsType<Node> = [
    { title: t('hosts.name'), dataIndex: 'name' },
    { title: t('hosts.ip'), dataIndex: 'ip' },
    {
      title: t('wizard.hosts.role'),
      dataIndex: 'role',
      render: (role: string) => <Tag color={role === 'master' ? 'blue' : 'default'}>{role === 'master' ? t('wizard.hosts.master') : t('wizard.hosts.worker')}</Tag>,
    },
    { title: t('hosts.statusCol'), dataIndex: 'status', render: (status: string, node) => <NodeStatusTag status={status} notReadySince={node.not_ready_since} /> },
    // The kubelet's version as the health check last read it: an upgrade changes it node by node.
    { title: t('clusters.version'), dataIndex: 'version', render: (v: string | null | undefined) => <span data-testid="node-version">{v ?? '—'}</span> },
    ...(blocked === 'readOnly'
      ? []
      : [
          {
            title: t('common.actions'),
            key: 'actions',
            render: (_: unknown, node: Node) =>
              node.role === 'master' ? (
                c && <RemoveMasterButton node={node} blocked={removeMasterBlocked(blocked, c)} onOpen={() => setRemovingMaster(node)} />
              ) : (
                <Space size={4}>
                  <RebuildWorkerButton node={node} blocked={blocked} onOpen={() => setRebuilding(node)} />
                  <RemoveWorkerButton node={node} blocked={blocked} onOpen={() => setRemoving(node)} />
                </Space>
              ),
          },
        ]),
  ];

  const opColumns: TableColumnsType<Operation> = [
    { title: t('operations.kindCol'), dataIndex: 'kind', render: (kind: string) => kindLabel(t, kind) },
    { title: t('hosts.statusCol'), dataIndex: 'status', render: (_, op) => <OperationStatusTag status={op.status} /> },
    { title: t('operations.started'), dataIndex: 'started_at', render: (v: string | null) => formatTime(v) || '—' },
    {
      title: t('operations.duration'),
      key: 'duration',
      render: (_, op) => (op.started_at && op.ended_at ? formatDuration(Date.parse(op.ended_at) - Date.parse(op.started_at)) : '—'),
    },
    { title: t('operations.attemptsCol'), dataIndex: 'attempts' },
    {
      title: t('common.actions'),
      key: 'events',
      render: (_, op) => (
        <Link to={`/clusters/${clusterId}/operations/${op.id}`} data-testid={`operation-open-${op.id}`}>
          {t('operations.viewEvents')}
        </Link>
      ),
    },
  ];

  return (
    <Card
      loading={cluster.isLoading}
      title={
        <Space>
          <Link to="/clusters" aria-label={t('common.back')}>
            <ArrowLeftOutlined />
          </Link>
          {t('clusters.detailTitle', { name: c?.name ?? '' })}
          {c && <ClusterStatusTag cluster={c} />}
        </Space>
      }
      extra={
        writer &&
        c && (
          <Space>
            <Tooltip title={c.has_kubeconfig ? undefined : t('clusters.noKubeconfig')}>
              <Button icon={<DownloadOutlined />} disabled={!c.has_kubeconfig} loading={downloading} onClick={getKubeconfig} data-testid="kubeconfig-download">
                {t('clusters.kubeconfig')}
              </Button>
            </Tooltip>
            <UpgradeCluster cluster={c} />
            <DeleteCluster cluster={c} withLabel leaveTo="/clusters" />
          </Space>
        )
      }
    >
      {c && (
        <Tabs
          items={[
            {
              key: 'overview',
              label: t('clusters.tabs.overview'),
              children: (
                <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
                  {c.operation && (
                    <Link to={`/clusters/${c.id}/operations/${c.operation.id}`} style={{ display: 'block', maxWidth: 480 }}>
                      <OperationProgress operation={c.operation} />
                    </Link>
                  )}
                  <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} data-testid="cluster-overview">
                    <Descriptions.Item label={t('clusters.statusCol')}>
                      <Space>
                        <ClusterStatusTag cluster={c} />
                        <Typography.Text type="secondary">{c.status_message}</Typography.Text>
                      </Space>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('health.col')} span="filled">
                      <Space wrap data-testid="overview-health">
                        <HealthTag health={health.data} />
                        {health.data?.reasons.map((r) => (
                          <Typography.Text key={r} type={health.data?.state === 'healthy' ? 'secondary' : 'danger'}>
                            {r}
                          </Typography.Text>
                        ))}
                      </Space>
                    </Descriptions.Item>
                    <Descriptions.Item label={t('alerts.badge')}>
                      <AlertsBadge clusterId={c.id} />
                    </Descriptions.Item>
                    <Descriptions.Item label={t('clusters.version')}>{`${c.version} (${c.arch})`}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.topology')}>{spec.topology === 'ha' ? t('wizard.ha') : t('wizard.single')}</Descriptions.Item>
                    <Descriptions.Item label={t('clusters.nodes')}>
                      {t('clusters.nodeCount', {
                        count: c.nodes.length,
                        masters: c.nodes.filter((n) => n.role === 'master').length,
                        workers: c.nodes.filter((n) => n.role !== 'master').length,
                      })}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('wizard.network.plugin')}>{spec.network?.plugin ?? '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.network.proxyMode')}>{spec.network?.proxy_mode ?? '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.network.podCidr')}>{spec.network?.pod_cidr ?? '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.network.serviceCidr')}>{spec.network?.service_cidr ?? '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.lb.mode')}>
                      {spec.load_balancer?.mode === 'external'
                        ? `${t('wizard.lb.external')} · ${spec.load_balancer.vip ?? ''}:${spec.load_balancer.port ?? ''}`
                        : `${t('wizard.lb.internal')} · :${spec.load_balancer?.port ?? ''}`}
                    </Descriptions.Item>
                    <Descriptions.Item label={t('wizard.addons.ingress')}>{on(spec.ingress?.enabled)}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.addons.storage')}>{spec.storage?.provisioner ?? '—'}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.addons.f5')}>{spec.f5?.enabled ? spec.f5.url : on(false)}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.addons.metricsServer')}>{on(spec.addons?.metrics_server)}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.addons.helm')}>{on(spec.addons?.helm)}</Descriptions.Item>
                    <Descriptions.Item label={t('wizard.advanced.title')} span="filled">
                      <AdvancedSettings advanced={spec.advanced} />
                    </Descriptions.Item>
                    <Descriptions.Item label={t('common.createdAt')}>{formatTime(c.created_at)}</Descriptions.Item>
                    <Descriptions.Item label={t('common.updatedAt')}>{formatTime(c.updated_at)}</Descriptions.Item>
                  </Descriptions>
                </Space>
              ),
            },
            {
              key: 'nodes',
              label: t('clusters.tabs.nodes', { count: c.nodes.length }),
              children: (
                <Space orientation="vertical" style={{ width: '100%' }}>
                  <NotReadyWorkers nodes={c.nodes} blocked={blocked} onOpen={setRebuilding} />
                  <Space wrap>
                    <AddWorkers cluster={c} />
                    <AddMasters cluster={c} />
                  </Space>
                  <Table<Node> rowKey="host_id" size="small" data-testid="cluster-nodes" columns={nodeColumns} dataSource={c.nodes} pagination={false} />
                  {removing && <RemoveWorkerDialog cluster={c} node={removing} onClose={() => setRemoving(null)} />}
                  {rebuilding && <RebuildWorkerDialog cluster={c} node={rebuilding} onClose={() => setRebuilding(null)} />}
                  {removingMaster && <RemoveMasterDialog cluster={c} node={removingMaster} onClose={() => setRemovingMaster(null)} />}
                </Space>
              ),
            },
            ...(provisioningOf(c)
              ? [{ key: 'vms', label: t('provisioning.tab'), children: <ClusterVms cluster={c} /> }]
              : []),
            {
              key: 'certificates',
              label: t('clusters.tabs.certificates'),
              children: <Certificates cluster={c} />,
            },
            {
              key: 'backups',
              label: t('clusters.tabs.backups'),
              children: <Backups cluster={c} />,
            },
            {
              key: 'health',
              label: t('clusters.tabs.health'),
              children: <Health clusterId={c.id} />,
            },
            {
              key: 'events',
              label: t('kubeEvents.tab'),
              children: <KubeEvents clusterId={c.id} />,
            },
            {
              key: 'monitoring',
              label: t('monitoring.tab'),
              children: <Monitoring cluster={c} />,
            },
            {
              key: 'operations',
              label: t('clusters.tabs.operations'),
              children: operations.isError ? (
                <QueryError error={operations.error} />
              ) : (
                <Table<Operation>
                  rowKey="id"
                  size="small"
                  data-testid="cluster-operations"
                  loading={operations.isLoading}
                  columns={opColumns}
                  dataSource={operations.data?.items ?? []}
                  pagination={false}
                  expandable={{
                    expandedRowRender: (op) => (
                      <Space wrap>
                        {op.phases.map((p) => (
                          <Tag key={p.position} color={p.status === 'succeeded' ? 'green' : p.status === 'failed' ? 'red' : p.status === 'running' ? 'processing' : 'default'}>
                            {phaseLabel(t, p.name)} · {t(`operations.phaseStatus.${p.status}`)}
                          </Tag>
                        ))}
                        {op.failure && <Typography.Text type="danger">{op.failure.message}</Typography.Text>}
                      </Space>
                    ),
                  }}
                />
              ),
            },
          ]}
        />
      )}
    </Card>
  );
}
