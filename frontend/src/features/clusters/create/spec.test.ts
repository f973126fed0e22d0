import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../api';
import { host } from '../../../test/fixtures';
import { DEFAULTS, mapErrors, toBody, unsuitable, type WizardValues } from './spec';

const values: WizardValues = { ...DEFAULTS, project_id: 'p', name: ' prod-1 ', version: 'v1.29.3' };
const body = toBody(values, [
  { host_id: 'h-3', role: 'worker' },
  { host_id: 'h-1', role: 'master' },
]);

describe('the body the wizard sends', () => {
  test('masters first, names trimmed, fields of modes not chosen left out', () => {
    expect(body.nodes).toEqual([
      { host_id: 'h-1', role: 'master' },
      { host_id: 'h-3', role: 'worker' },
    ]);
    expect(body.name).toBe('prod-1');
    expect(body.load_balancer).toEqual({ mode: 'internal', vip: null, port: 8443 });
    expect(body.storage).toEqual({ provisioner: 'none', nfs_server: null, nfs_path: null });
    const external = toBody({ ...values, load_balancer: { mode: 'external', vip: ' 10.0.0.9 ', port: 8443 } }, []);
    expect(external.load_balancer?.vip).toBe('10.0.0.9');
  });
});

describe('the body with VMs from a plan', () => {
  test('provisioning with the plan and its worker count, no nodes even if hosts were chosen before', () => {
    const plan = toBody({ ...values, topology: 'ha', source: 'plan', provisioning: { plan_id: 'pl-1', worker_count: 0 } }, [{ host_id: 'h-1', role: 'master' }]);
    expect(plan.nodes).toEqual([]);
    expect(plan.provisioning).toEqual({ plan_id: 'pl-1', worker_count: 0 });
    expect(body.provisioning).toBeUndefined();
  });

  test('the API’s refusals of the plan land on its inputs of the hosts step; a topology mismatch on the topology', () => {
    const mapped = mapErrors(
      new ApiError(422, {
        error: 'validation_error',
        detail: 'x',
        fields: [
          { field: 'provisioning.worker_count', message: 'Input should be less than or equal to 100' },
          { field: 'topology', message: 'plan prod-ha is ha: plan the cluster ha too, or pick a plan of this topology' },
          { field: 'provisioning.plan_id', message: 'no plan pl-9 in this project: pick one under Plans' },
        ],
      }),
      body,
    );
    expect(mapped.fields).toEqual([
      { name: ['provisioning', 'worker_count'], errors: ['Input should be less than or equal to 100'] },
      { name: ['topology'], errors: ['plan prod-ha is ha: plan the cluster ha too, or pick a plan of this topology'] },
      { name: ['provisioning', 'plan_id'], errors: ['no plan pl-9 in this project: pick one under Plans'] },
    ]);
    expect(mapped.step).toBe('topology');
    expect(mapped.rest).toEqual([]);
  });
});

describe('where the API’s errors go', () => {
  const refuse = (fields: { field: string; message: string }[]) =>
    new ApiError(422, { error: 'validation_error', detail: 'x', fields });

  test('inventory checks and payload validation both land on the host row; the first step with an error is chosen', () => {
    const mapped = mapErrors(
      refuse([
        { field: 'network.pod_cidr', message: 'overlaps the network 10.244.0.0/24 of host master-1' },
        { field: 'nodes[1].host_id', message: 'host worker-1 is unreachable' },
        { field: 'nodes.0.role', message: "Input should be 'master' or 'worker'" },
        { field: 'nodes', message: 'topology single needs exactly 1 master(s); 0 chosen' },
      ]),
      body,
    );
    expect(mapped.hosts).toEqual({ 'h-3': ['host worker-1 is unreachable'], 'h-1': ["Input should be 'master' or 'worker'"] });
    expect(mapped.nodes).toEqual(['topology single needs exactly 1 master(s); 0 chosen']);
    expect(mapped.fields).toEqual([{ name: ['network', 'pod_cidr'], errors: ['overlaps the network 10.244.0.0/24 of host master-1'] }]);
    expect(mapped.step).toBe('hosts');
  });

  test('a group’s cross-field check lands on the field its sentence names', () => {
    const mapped = mapErrors(
      refuse([
        { field: 'load_balancer', message: "vip: required with mode external: give an unused address in the masters' subnet" },
        { field: 'storage', message: 'nfs_server and nfs_path: both required for the nfs provisioner' },
        { field: 'version', message: 'no imported offline package has Kubernetes v9' },
        { field: 'runtime.registry_mirrors.2', message: 'too long' },
      ]),
      body,
    );
    expect(mapped.fields).toEqual([
      { name: ['load_balancer', 'vip'], errors: ["required with mode external: give an unused address in the masters' subnet"] },
      { name: ['storage', 'nfs_server'], errors: ['both required for the nfs provisioner'] },
      { name: ['version'], errors: ['no imported offline package has Kubernetes v9'] },
      { name: ['runtime', 'registry_mirrors'], errors: ['too long'] },
    ]);
    expect(mapped.step).toBe('basics');
    expect(mapped.rest).toEqual([]);
  });
});

describe('which hosts can be nodes', () => {
  test('ready, free, supported, enough CPUs', () => {
    expect(unsuitable(host())).toBeNull();
    expect(unsuitable(host({ cluster_id: 'k-9' }))).toEqual({ reason: 'inCluster', cluster: 'k-9' });
    expect(unsuitable(host({ status: 'unreachable' }))).toEqual({ reason: 'notReady', status: 'unreachable' });
    expect(unsuitable(host({ facts: { ...host().facts, cpus: 1 } }))).toEqual({ reason: 'fewCpus', cpus: 1 });
    expect(unsuitable(host({ facts: { ...host().facts, os: { name: 'Fedora', supported: false, unsupported_reason: 'Fedora is not supported' } } }))).toEqual({
      reason: 'unsupportedOs',
      detail: 'Fedora is not supported',
    });
  });
});
