import { Alert, Button, Descriptions, Form, InputNumber, Select, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ProviderTag } from '../../cloud/ProviderTag';
import type { Plan, PlanSize } from '../../plans/api';
import { Placement } from '../../plans/Placement';
import { placeVms } from '../../plans/placement';
import type { Region } from '../../regions/api';
import type { Zone } from '../../zones/api';
import { MAX_WORKERS } from '../../workspaces/api';
import type { Topology } from './spec';

interface Props {
  plans: Plan[];
  loading: boolean;
  regions: Region[];
  zones: Zone[];
  topology: Topology;
  planId: string | undefined;
  workerCount: number | null | undefined;
  /** Errors on the choice as a whole (`nodes`), from the API. */
  nodesErrors: string[];
  onUsePlanTopology: (topology: Topology) => void;
}

/**
 * The "Create VMs from a plan" choice of the hosts step: the project's plans, the chosen one's shape
 * (region and provider, topology, zones, sizes, where each VM goes) and its worker count to override.
 * The plan's topology must be the cluster's: choosing a plan sets it (Wizard), a later change shows here.
 */
export function PlanStep({ plans, loading, regions, zones, topology, planId, workerCount, nodesErrors, onUsePlanTopology }: Props) {
  const { t } = useTranslation();
  const plan = plans.find((p) => p.id === planId);
  const zoneName = (id: string) => zones.find((z) => z.id === id)?.name ?? id;
  const region = plan && regions.find((r) => r.id === plan.region_id);
  const size = (s: PlanSize) => s.flavor ?? t('plans.sizeValue', { cpus: s.cpus ?? '?', memory: s.memory_gib ?? '?', disk: s.disk_gib ?? '?' });
  const workers = workerCount ?? plan?.worker_count ?? 0;
  const mismatch = !!plan && plan.topology !== topology;
  const topologyText = (x: Topology) => (x === 'ha' ? t('wizard.ha') : t('wizard.single'));

  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="wizard-plan">
      {nodesErrors.map((e) => (
        <Alert key={e} type="error" showIcon title={e} data-testid="nodes-error" />
      ))}
      <Form.Item
        name={['provisioning', 'plan_id']}
        label={t('provisioning.plan')}
        extra={t('provisioning.planHint')}
        rules={[
          { required: true, message: t('provisioning.choosePlan') },
          // The form's topology, not this render's: "use the plan's topology" validates right after setting it.
          ({ getFieldValue }) => ({
            validator: (_, id: string | undefined) => {
              const chosen = plans.find((p) => p.id === id);
              const wanted = getFieldValue('topology') as Topology;
              return chosen && chosen.topology !== wanted
                ? Promise.reject(new Error(t('provisioning.mismatch', { plan: chosen.name, planTopology: topologyText(chosen.topology), topology: topologyText(wanted) })))
                : Promise.resolve();
            },
          }),
        ]}
        style={{ maxWidth: 480 }}
      >
        <Select
          loading={loading}
          placeholder={t('provisioning.planPlaceholder')}
          data-testid="wizard-plan-select"
          notFoundContent={
            <Typography.Text type="secondary">
              {t('provisioning.noPlans')} <Link to="/inventory/plans">{t('nav.plans')}</Link>
            </Typography.Text>
          }
          options={plans.map((p) => ({ value: p.id, label: `${p.name} · ${t(`cloud.provider.${p.provider}`)} · ${t(`plans.topologies.${p.topology}`)}` }))}
        />
      </Form.Item>
      {mismatch && (
        <Alert
          type="warning"
          showIcon
          data-testid="plan-topology-mismatch"
          title={t('provisioning.mismatch', { plan: plan.name, planTopology: topologyText(plan.topology), topology: topologyText(topology) })}
          action={
            <Button size="small" onClick={() => onUsePlanTopology(plan.topology)}>
              {t('provisioning.usePlanTopology')}
            </Button>
          }
        />
      )}
      {plan && (
        <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} data-testid="wizard-plan-details">
          <Descriptions.Item label={t('plans.region')}>
            <Space size={4}>
              <span>{region?.name ?? plan.region_id}</span>
              <ProviderTag provider={plan.provider} />
            </Space>
          </Descriptions.Item>
          <Descriptions.Item label={t('plans.topology')}>
            <Space size={4}>
              {t(`plans.topologies.${plan.topology}`)}
              {!mismatch && <Tag color="green">{t('provisioning.topologyMatches')}</Tag>}
            </Space>
          </Descriptions.Item>
          <Descriptions.Item label={t('plans.zones')}>{plan.zone_ids.map(zoneName).join(', ')}</Descriptions.Item>
          <Descriptions.Item label={t('provisioning.planWorkers')}>{plan.worker_count}</Descriptions.Item>
          <Descriptions.Item label={t('plans.masterSize')}>{size(plan.master_size)}</Descriptions.Item>
          <Descriptions.Item label={t('plans.workerSize')}>{size(plan.worker_size)}</Descriptions.Item>
          <Descriptions.Item label={t('plans.placement')} span="filled">
            <Placement masters={plan.placement.masters} workers={placeVms(plan.zone_ids, workers)} zoneName={zoneName} />
          </Descriptions.Item>
        </Descriptions>
      )}
      {plan && (
        <Form.Item
          name={['provisioning', 'worker_count']}
          label={t('provisioning.workers')}
          extra={t('provisioning.workersHint', { count: plan.worker_count, max: MAX_WORKERS })}
          rules={[{ required: true, message: t('validation.required') }]}
        >
          <InputNumber min={0} max={MAX_WORKERS} precision={0} style={{ width: 140 }} data-testid="wizard-plan-workers" />
        </Form.Item>
      )}
    </Space>
  );
}
