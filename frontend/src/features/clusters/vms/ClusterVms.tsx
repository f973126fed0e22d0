import { Descriptions, Empty, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { QueryError } from '../../../app/QueryError';
import { ProviderTag } from '../../cloud/ProviderTag';
import { usePlans } from '../../plans/api';
import { useWorkspace } from '../../workspaces/api';
import { WorkspaceStatusTag } from '../../workspaces/StatusTag';
import { VmTable } from '../../workspaces/VmTable';
import type { Cluster } from '../api';
import { phaseLabel } from '../format';
import { provisioningOf } from './provisioning';

// While the cluster changes its VMs (provision, scale, deprovision) they are read again every few seconds.
const CHANGING: ReadonlySet<Cluster['status']> = new Set(['deploying', 'scaling', 'terminating']);

/** The VMs made for a cluster from its plan (its workspace has the cluster's id), with their state. */
export function ClusterVms({ cluster }: { cluster: Pick<Cluster, 'id' | 'project_id' | 'status' | 'spec'> }) {
  const { t } = useTranslation();
  const provisioning = provisioningOf(cluster);
  const workspace = useWorkspace(cluster.id, CHANGING.has(cluster.status));
  const plans = usePlans({ projectId: cluster.project_id, limit: 200, offset: 0 });
  if (workspace.isError) return <QueryError error={workspace.error} />;
  const ws = workspace.data;
  const plan = plans.data?.items.find((p) => p.id === (ws?.plan_id ?? provisioning?.plan_id));
  const op = ws?.operation;
  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="cluster-vms">
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('provisioning.plan')}>
          <Space size={4}>
            <Link to="/inventory/plans">{plan?.name ?? provisioning?.plan_id}</Link>
            {plan && <ProviderTag provider={plan.provider} />}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('provisioning.workers')}>{ws?.worker_count ?? provisioning?.worker_count ?? plan?.worker_count ?? '—'}</Descriptions.Item>
        {ws && (
          <Descriptions.Item label={t('workspaces.statusCol')} span="filled">
            <Space wrap>
              <WorkspaceStatusTag workspace={ws} />
              <Typography.Text type={ws.status === 'failed' ? 'danger' : 'secondary'} data-testid="workspace-message">
                {ws.message}
              </Typography.Text>
            </Space>
          </Descriptions.Item>
        )}
        {op && (
          <Descriptions.Item label={t('provisioning.lastOperation')} span="filled">
            <Space wrap>
              {op.phases.map((p) => (
                <Tag key={p.position} color={p.status === 'succeeded' ? 'green' : p.status === 'failed' ? 'red' : p.status === 'running' ? 'processing' : 'default'}>
                  {op.kind} · {phaseLabel(t, p.name)} · {t(`operations.phaseStatus.${p.status}`)}
                </Tag>
              ))}
            </Space>
          </Descriptions.Item>
        )}
      </Descriptions>
      {ws === null ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('provisioning.notYet')} data-testid="cluster-vms-none" />
      ) : (
        <VmTable vms={ws?.vms ?? []} loading={workspace.isLoading} />
      )}
    </Space>
  );
}
