import { ArrowLeftOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Form, Input, InputNumber, Radio, Select, Space, Steps, Switch, Typography } from 'antd';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { canWrite } from '../../../app/permissions';
import { useCurrentProject } from '../../../app/project';
import { useHosts } from '../../hosts/api';
import { usePlans } from '../../plans/api';
import { useAllRegions } from '../../regions/api';
import { useAllZones } from '../../zones/api';
import { useCreateCluster, useVersions } from '../api';
import { AdvancedSection } from './AdvancedSection';
import { HostsStep } from './HostsStep';
import { PlanStep } from './PlanStep';
import { Review } from './Review';
import { DEFAULTS, FIELDS, MASTERS, STEPS, mapErrors, toBody, type Nodes, type Step, type Topology, type WizardValues } from './spec';

const path = (field: string) => field.split('.');

/** `{network: {pod_cidr: x}}` → ['network.pod_cidr'] (the names of the edited inputs). */
const leaves = (value: unknown, prefix = ''): string[] =>
  value && typeof value === 'object' && !Array.isArray(value)
    ? Object.entries(value).flatMap(([k, v]) => leaves(v, prefix ? `${prefix}.${k}` : k))
    : [prefix];

export default function ClusterWizard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const me = useMe().data;
  const current = useCurrentProject();
  const writable = current.projects.filter((p) => canWrite(me, p.id));
  const initialProject = current.canWrite ? current.project?.id : writable[0]?.id;

  const [form] = Form.useForm<WizardValues>();
  const [step, setStep] = useState(0);
  const [reached, setReached] = useState(0);
  const [nodes, setNodes] = useState<Nodes>([]);
  const [hostErrors, setHostErrors] = useState<Record<string, string[]>>({});
  const [nodesErrors, setNodesErrors] = useState<string[]>([]);
  const [errorSteps, setErrorSteps] = useState<Set<Step>>(new Set());
  const [formError, setFormError] = useState<string | null>(null);
  const [advancedOpen, setAdvancedOpen] = useState(false);
  // The topology the chosen plan set (told on the hosts step), or null.
  const [followedPlan, setFollowedPlan] = useState<Topology | null>(null);
  // Only the current step's inputs are mounted: the API's errors wait here for their step to show.
  const [fieldErrors, setFieldErrors] = useState<{ name: (string | number)[]; errors: string[] }[]>([]);

  // `preserve`: read on later steps, when their inputs are no longer mounted (else they read as unset).
  const watchKept = { form, preserve: true };
  const projectId = (Form.useWatch('project_id', watchKept) as string | undefined) ?? initialProject;
  const arch = Form.useWatch('arch', form) ?? DEFAULTS.arch;
  const topology = (Form.useWatch('topology', watchKept) as Topology | undefined) ?? DEFAULTS.topology;
  const lbMode = Form.useWatch(['load_balancer', 'mode'], form) ?? DEFAULTS.load_balancer.mode;
  const provisioner = Form.useWatch(['storage', 'provisioner'], form) ?? DEFAULTS.storage.provisioner;
  const f5 = Form.useWatch(['f5', 'enabled'], form) ?? false;
  const source = (Form.useWatch('source', watchKept) as WizardValues['source'] | undefined) ?? DEFAULTS.source;
  const planId = Form.useWatch(['provisioning', 'plan_id'], watchKept);
  const workerCount = Form.useWatch(['provisioning', 'worker_count'], watchKept);

  const versions = useVersions();
  const hosts = useHosts({ projectId, limit: 500, offset: 0 }, !!projectId);
  const create = useCreateCluster();
  const fromPlan = source === 'plan';
  const plans = usePlans({ projectId, limit: 200, offset: 0 }, fromPlan);
  const regions = useAllRegions(fromPlan ? projectId : undefined);
  const zones = useAllZones(fromPlan ? projectId : undefined);
  const planList = plans.data?.items ?? [];
  const archs = useMemo(() => [...new Set((versions.data?.items ?? []).map((v) => v.arch))], [versions.data]);
  const versionOptions = (versions.data?.items ?? [])
    .filter((v) => v.arch === arch)
    .map((v) => ({ value: v.kubernetes_version, label: v.kubernetes_version }));
  const noVersions = versions.isSuccess && versions.data.items.length === 0;

  const stepName = STEPS[step];
  useEffect(() => {
    const here = fieldErrors.filter((f) => FIELDS[stepName].includes(f.name.join('.')));
    if (here.length) form.setFields(here as Parameters<typeof form.setFields>[0]);
  }, [stepName, fieldErrors, form]);
  const masters = nodes.filter((n) => n.role === 'master').length;

  const clearStepError = (s: Step) =>
    setErrorSteps((prev) => {
      if (!prev.has(s)) return prev;
      const next = new Set(prev);
      next.delete(s);
      return next;
    });

  const go = (to: number) => {
    setStep(to);
    setReached((r) => Math.max(r, to));
  };

  const next = async () => {
    try {
      await form.validateFields(FIELDS[stepName].map(path));
    } catch {
      return;
    }
    if (stepName === 'hosts' && !fromPlan && masters !== MASTERS[topology]) {
      setNodesErrors([t('wizard.hosts.needMasters', { count: MASTERS[topology], chosen: masters })]);
      return;
    }
    if (stepName === 'hosts') setNodesErrors([]);
    clearStepError(stepName);
    go(step + 1);
  };

  const submit = () => {
    setFormError(null);
    const values = { ...DEFAULTS, ...form.getFieldsValue(true) } as WizardValues;
    const body = toBody(values, nodes);
    create.mutate(body, {
      onSuccess: (cluster) => {
        void message.success(t('wizard.created', { name: cluster.name }));
        const op = cluster.operation?.id ?? cluster.current_operation_id;
        void navigate(op ? `/clusters/${cluster.id}/operations/${op}` : `/clusters/${cluster.id}`);
      },
      onError: (error) => {
        const mapped = mapErrors(error, body);
        setFieldErrors(mapped.fields);
        setHostErrors(mapped.hosts);
        setNodesErrors(mapped.nodes);
        const steps = new Set<Step>();
        mapped.fields.forEach((f) => {
          const s = STEPS.find((x) => FIELDS[x].includes(f.name.join('.')));
          if (s) steps.add(s);
        });
        if (Object.keys(mapped.hosts).length || mapped.nodes.length) steps.add('hosts');
        setErrorSteps(steps);
        if (mapped.fields.some((f) => f.name[0] === 'advanced')) setAdvancedOpen(true);
        const placed = mapped.fields.length + Object.keys(mapped.hosts).length + mapped.nodes.length;
        setFormError(mapped.rest.length ? mapped.rest.join('; ') : placed ? null : describeError(t, error));
        if (mapped.step) setStep(STEPS.indexOf(mapped.step));
      },
    });
  };

  if (current.isLoading) return <Card title={t('wizard.title')} loading />;
  if (!writable.length) {
    return (
      <Card title={t('wizard.title')}>
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('wizard.notAllowed')} data-testid="wizard-not-allowed" />
      </Card>
    );
  }

  const required = { required: true, message: t('validation.required') };

  return (
    <Card
      title={
        <Space>
          <Link to="/clusters" aria-label={t('common.back')}>
            <ArrowLeftOutlined />
          </Link>
          {t('wizard.title')}
        </Space>
      }
    >
      <Steps
        size="small"
        current={step}
        onChange={(to) => to <= reached && setStep(to)}
        style={{ marginBottom: 24 }}
        data-testid="wizard-steps"
        items={STEPS.map((s, i) => ({
          title: t(`wizard.steps.${s}`),
          status: errorSteps.has(s) ? 'error' : i === step ? 'process' : i < reached || i < step ? 'finish' : 'wait',
          disabled: i > reached,
        }))}
      />
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form<WizardValues>
        form={form}
        layout="vertical"
        name="cluster"
        autoComplete="off"
        disabled={create.isPending}
        initialValues={{ ...DEFAULTS, project_id: initialProject, name: '', version: undefined }}
        onValuesChange={(changed: Partial<WizardValues>) => {
          // An edited field's error from the API is answered: it does not come back on the next visit.
          const edited = leaves(changed);
          if (fieldErrors.some((f) => edited.includes(f.name.join('.')))) {
            setFieldErrors((prev) => prev.filter((f) => !edited.includes(f.name.join('.'))));
          }
          if (changed.project_id) {
            setNodes([]);
            setHostErrors({});
            form.setFieldValue('provisioning', {});
            setFollowedPlan(null);
          }
          if (changed.source) setNodesErrors([]);
          // A plan brings its topology and worker count: the cluster takes them (the count can be changed).
          const chosen = changed.provisioning?.plan_id && planList.find((p) => p.id === changed.provisioning?.plan_id);
          if (chosen) {
            form.setFieldValue(['provisioning', 'worker_count'], chosen.worker_count);
            setFollowedPlan(chosen.topology !== form.getFieldValue('topology') ? chosen.topology : null);
            form.setFieldValue('topology', chosen.topology);
          }
          if (changed.arch) form.setFieldValue('version', undefined);
        }}
        style={{ maxWidth: stepName === 'hosts' || stepName === 'review' ? undefined : 640 }}
      >
        {stepName === 'basics' && (
          <div data-testid="wizard-basics">
            <Form.Item name="project_id" label={t('wizard.project')} rules={[required]}>
              <Select options={writable.map((p) => ({ value: p.id, label: p.name }))} />
            </Form.Item>
            <Form.Item name="name" label={t('clusters.name')} extra={t('wizard.nameHint')} rules={[required]}>
              <Input maxLength={40} placeholder="prod-1" />
            </Form.Item>
            {noVersions && (
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 16 }}
                data-testid="wizard-no-versions"
                title={t('wizard.noVersions')}
                description={t('wizard.noVersionsHint')}
                action={
                  <Link to="/admin/offline-packages">
                    <Button size="small">{t('nav.packages')}</Button>
                  </Link>
                }
              />
            )}
            <Space align="start" wrap>
              <Form.Item name="version" label={t('clusters.version')} rules={[required]} style={{ minWidth: 240 }}>
                <Select
                  loading={versions.isLoading}
                  disabled={noVersions}
                  placeholder={t('wizard.versionPlaceholder')}
                  options={versionOptions}
                  data-testid="wizard-version"
                />
              </Form.Item>
              <Form.Item name="arch" label={t('wizard.arch')} rules={[required]}>
                <Radio.Group optionType="button" options={(archs.length ? archs : ['amd64']).map((a) => ({ value: a, label: a }))} />
              </Form.Item>
            </Space>
          </div>
        )}

        {stepName === 'topology' && (
          <div>
            <Form.Item name="topology" label={t('wizard.topology')} rules={[required]}>
              <Radio.Group>
                <Space orientation="vertical">
                  <Radio value="single" data-testid="topology-single">
                    <Typography.Text strong>{t('wizard.single')}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">{t('wizard.singleHint')}</Typography.Text>
                  </Radio>
                  <Radio value="ha" data-testid="topology-ha">
                    <Typography.Text strong>{t('wizard.ha')}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">{t('wizard.haHint')}</Typography.Text>
                  </Radio>
                </Space>
              </Radio.Group>
            </Form.Item>
          </div>
        )}

        {stepName === 'hosts' && (
          <div>
            <Form.Item name="source" label={t('provisioning.source')}>
              <Radio.Group
                optionType="button"
                data-testid="wizard-source"
                options={[
                  { value: 'hosts', label: t('provisioning.useHosts') },
                  { value: 'plan', label: t('provisioning.usePlan') },
                ]}
              />
            </Form.Item>
            {fromPlan && followedPlan && followedPlan === topology && (
              <Alert
                type="info"
                showIcon
                style={{ marginBottom: 16 }}
                data-testid="plan-topology-followed"
                title={t('provisioning.topologyFollowed', { topology: followedPlan === 'ha' ? t('wizard.ha') : t('wizard.single') })}
              />
            )}
            {fromPlan ? (
              <PlanStep
                plans={planList}
                loading={plans.isLoading}
                regions={regions.data?.items ?? []}
                zones={zones.data?.items ?? []}
                topology={topology}
                planId={planId}
                workerCount={workerCount}
                nodesErrors={nodesErrors}
                onUsePlanTopology={(to) => {
                  form.setFieldValue('topology', to);
                  void form.validateFields([['provisioning', 'plan_id']]).catch(() => undefined);
                }}
              />
            ) : (
              <HostsStep
                hosts={hosts.data?.items ?? []}
                loading={hosts.isLoading}
                topology={topology}
                nodes={nodes}
                onChange={(n) => {
                  setNodes(n);
                  setHostErrors({});
                  setNodesErrors([]);
                }}
                hostErrors={hostErrors}
                nodesErrors={nodesErrors}
              />
            )}
          </div>
        )}

        {stepName === 'network' && (
          <div>
            <Form.Item name={['network', 'plugin']} label={t('wizard.network.plugin')} extra={t('wizard.network.pluginHint')}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'flannel', label: 'Flannel' },
                  { value: 'calico', label: 'Calico' },
                  { value: 'none', label: t('wizard.network.none') },
                ]}
              />
            </Form.Item>
            <Space align="start" wrap>
              <Form.Item name={['network', 'pod_cidr']} label={t('wizard.network.podCidr')} rules={[required]} style={{ width: 240 }}>
                <Input placeholder="10.244.0.0/16" />
              </Form.Item>
              <Form.Item name={['network', 'service_cidr']} label={t('wizard.network.serviceCidr')} rules={[required]} style={{ width: 240 }}>
                <Input placeholder="10.96.0.0/12" />
              </Form.Item>
            </Space>
            <Form.Item name={['network', 'proxy_mode']} label={t('wizard.network.proxyMode')}>
              <Radio.Group optionType="button" options={[{ value: 'iptables', label: 'iptables' }, { value: 'ipvs', label: 'IPVS' }]} />
            </Form.Item>
            <Form.Item name={['network', 'dns_domain']} label={t('wizard.network.dnsDomain')} rules={[required]}>
              <Input placeholder="cluster.local" style={{ width: 240 }} />
            </Form.Item>
            <Form.Item name={['runtime', 'registry_mirrors']} label={t('wizard.network.mirrors')} extra={t('wizard.network.mirrorsHint')}>
              <Select mode="tags" open={false} suffix={null} placeholder="harbor.example.com" />
            </Form.Item>
          </div>
        )}

        {stepName === 'loadBalancer' && (
          <div>
            <Form.Item name={['load_balancer', 'mode']} label={t('wizard.lb.mode')}>
              <Radio.Group>
                <Space orientation="vertical">
                  <Radio value="internal">
                    <Typography.Text strong>{t('wizard.lb.internal')}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">{t('wizard.lb.internalHint')}</Typography.Text>
                  </Radio>
                  <Radio value="external" data-testid="lb-external">
                    <Typography.Text strong>{t('wizard.lb.external')}</Typography.Text>
                    <br />
                    <Typography.Text type="secondary">{t('wizard.lb.externalHint')}</Typography.Text>
                  </Radio>
                </Space>
              </Radio.Group>
            </Form.Item>
            <Space align="start" wrap>
              {lbMode === 'external' && (
                <Form.Item name={['load_balancer', 'vip']} label={t('wizard.lb.vip')} extra={t('wizard.lb.vipHint')} rules={[required]} style={{ width: 280 }}>
                  <Input placeholder="192.168.10.100" />
                </Form.Item>
              )}
              <Form.Item name={['load_balancer', 'port']} label={t('wizard.lb.port')} rules={[required]}>
                <InputNumber min={1024} max={65535} precision={0} style={{ width: 140 }} />
              </Form.Item>
            </Space>
          </div>
        )}

        {stepName === 'addons' && (
          <div>
            <Form.Item name={['ingress', 'enabled']} label={t('wizard.addons.ingress')} extra={t('wizard.addons.ingressHint')} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name={['storage', 'provisioner']} label={t('wizard.addons.storage')}>
              <Select
                style={{ width: 280 }}
                options={[
                  { value: 'none', label: t('wizard.addons.storageNone') },
                  { value: 'nfs', label: 'NFS' },
                  { value: 'rook-ceph', label: 'Rook Ceph' },
                  { value: 'vsphere-csi', label: 'vSphere CSI' },
                  { value: 'cinder-csi', label: 'Cinder CSI' },
                ]}
              />
            </Form.Item>
            {provisioner === 'nfs' && (
              <Space align="start" wrap>
                <Form.Item name={['storage', 'nfs_server']} label={t('wizard.addons.nfsServer')} rules={[required]} style={{ width: 240 }}>
                  <Input placeholder="10.0.0.20" />
                </Form.Item>
                <Form.Item name={['storage', 'nfs_path']} label={t('wizard.addons.nfsPath')} rules={[required]} style={{ width: 280 }}>
                  <Input placeholder="/exports/k8s" />
                </Form.Item>
              </Space>
            )}
            <Form.Item name={['f5', 'enabled']} label={t('wizard.addons.f5')} extra={t('wizard.addons.f5Hint')} valuePropName="checked">
              <Switch />
            </Form.Item>
            {f5 && (
              <Space align="start" wrap>
                <Form.Item name={['f5', 'url']} label={t('wizard.addons.f5Url')} rules={[required]} style={{ width: 280 }}>
                  <Input placeholder="https://10.0.0.5" />
                </Form.Item>
                <Form.Item name={['f5', 'partition']} label={t('wizard.addons.f5Partition')} style={{ width: 200 }}>
                  <Input />
                </Form.Item>
              </Space>
            )}
            <Space size="large">
              <Form.Item name={['addons', 'metrics_server']} label={t('wizard.addons.metricsServer')} valuePropName="checked">
                <Switch />
              </Form.Item>
              <Form.Item name={['addons', 'helm']} label={t('wizard.addons.helm')} valuePropName="checked">
                <Switch />
              </Form.Item>
              <Form.Item name={['addons', 'coredns']} label={t('wizard.addons.coredns')} extra={t('wizard.addons.corednsHint')} valuePropName="checked">
                <Switch data-testid="addons-coredns" />
              </Form.Item>
            </Space>
            <AdvancedSection open={advancedOpen} onOpenChange={setAdvancedOpen} />
          </div>
        )}

        {stepName === 'review' && (
          <Review
            body={toBody({ ...DEFAULTS, ...form.getFieldsValue(true) } as WizardValues, nodes)}
            hosts={hosts.data?.items ?? []}
            plan={planList.find((p) => p.id === planId)}
            projectName={writable.find((p) => p.id === projectId)?.name ?? ''}
          />
        )}
      </Form>

      <Space style={{ marginTop: 24 }}>
        {step > 0 && (
          <Button onClick={() => setStep(step - 1)} disabled={create.isPending} data-testid="wizard-back">
            {t('wizard.back')}
          </Button>
        )}
        {stepName !== 'review' ? (
          <Button type="primary" onClick={() => void next()} data-testid="wizard-next">
            {t('wizard.next')}
          </Button>
        ) : (
          <Button type="primary" loading={create.isPending} onClick={submit} data-testid="wizard-submit">
            {t('wizard.submit')}
          </Button>
        )}
      </Space>
    </Card>
  );
}
