import { Collapse, Descriptions, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { ProviderTag } from '../../cloud/ProviderTag';
import type { Host } from '../../hosts/api';
import type { Plan } from '../../plans/api';
import { AdvancedSettings } from '../AdvancedSettings';
import type { ClusterCreate } from '../api';
import { MASTERS } from './spec';

interface Props {
  body: ClusterCreate;
  hosts: Host[];
  /** The plan of `body.provisioning`, when the VMs are created from one. */
  plan?: Plan;
  projectName: string;
}

/** Everything chosen, as the API will get it; the spec itself folded away below. */
export function Review({ body, hosts, plan, projectName }: Props) {
  const { t } = useTranslation();
  const yes = (on: boolean | undefined) => (on ? t('wizard.review.on') : t('wizard.review.off'));
  const hostName = (id: string) => hosts.find((h) => h.id === id)?.name ?? id;
  const { network, load_balancer: lb, storage, f5, addons, ingress, runtime } = body;
  const coredns = addons?.coredns ?? true; // absent means on, as the API's default
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="wizard-review">
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('wizard.project')}>{projectName}</Descriptions.Item>
        <Descriptions.Item label={t('clusters.name')}>{body.name}</Descriptions.Item>
        <Descriptions.Item label={t('clusters.version')}>{`${body.version} (${body.arch ?? 'amd64'})`}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.topology')}>{body.topology === 'ha' ? t('wizard.ha') : t('wizard.single')}</Descriptions.Item>
        <Descriptions.Item label={t('clusters.nodes')} span={2}>
          {body.provisioning ? (
            <Space wrap data-testid="review-plan">
              <span>{t('provisioning.reviewPlan', { plan: plan?.name ?? body.provisioning.plan_id })}</span>
              {plan && <ProviderTag provider={plan.provider} />}
              <Tag color="blue">{t('provisioning.reviewMasters', { count: plan?.master_count ?? MASTERS[body.topology] })}</Tag>
              <Tag>{t('provisioning.reviewWorkers', { count: body.provisioning.worker_count ?? plan?.worker_count ?? 0 })}</Tag>
            </Space>
          ) : (
            <Space wrap>
              {(body.nodes ?? []).map((n) => (
                <Tag key={n.host_id} color={n.role === 'master' ? 'blue' : 'default'}>
                  {hostName(n.host_id)} · {n.role === 'master' ? t('wizard.hosts.master') : t('wizard.hosts.worker')}
                </Tag>
              ))}
            </Space>
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t('wizard.network.plugin')}>{network?.plugin}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.network.proxyMode')}>{network?.proxy_mode}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.network.podCidr')}>{network?.pod_cidr}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.network.serviceCidr')}>{network?.service_cidr}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.network.dnsDomain')}>{network?.dns_domain}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.network.mirrors')}>{runtime?.registry_mirrors?.join(', ') || '—'}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.lb.mode')}>
          {lb?.mode === 'external' ? `${t('wizard.lb.external')} · ${lb.vip ?? ''}:${lb.port}` : `${t('wizard.lb.internal')} · :${lb?.port}`}
        </Descriptions.Item>
        <Descriptions.Item label={t('wizard.addons.ingress')}>{yes(ingress?.enabled)}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.addons.storage')}>
          {storage?.provisioner === 'nfs' ? `NFS · ${storage.nfs_server}:${storage.nfs_path}` : storage?.provisioner === 'none' ? t('wizard.addons.storageNone') : storage?.provisioner}
        </Descriptions.Item>
        <Descriptions.Item label={t('wizard.addons.f5')}>{f5?.enabled ? `${f5.url} (${f5.partition})` : yes(false)}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.addons.metricsServer')}>{yes(addons?.metrics_server)}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.addons.helm')}>{yes(addons?.helm)}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.addons.coredns')}>{yes(coredns)}</Descriptions.Item>
        <Descriptions.Item label={t('wizard.advanced.title')} span="filled">
          <AdvancedSettings advanced={body.advanced} />
        </Descriptions.Item>
      </Descriptions>
      <Collapse
        size="small"
        items={[
          {
            key: 'spec',
            label: t('wizard.review.spec'),
            children: (
              <Typography.Paragraph copyable={{ text: JSON.stringify(body, null, 2) }} style={{ marginBottom: 0 }}>
                <pre style={{ margin: 0, maxHeight: 360, overflow: 'auto' }} data-testid="wizard-spec-json">
                  {JSON.stringify(body, null, 2)}
                </pre>
              </Typography.Paragraph>
            ),
          },
        ]}
      />
    </Space>
  );
}
