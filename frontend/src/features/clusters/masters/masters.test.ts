import { describe, expect, test } from 'vitest';
import { host } from '../../../test/fixtures';
import { masterCandidates, masterUnsuitable, removeMasterBlocked, tolerates, toMastersBody } from './masters';

const withCpus = (name: string, cpus: number) => {
  const h = host({ id: `h-${name}`, name });
  return { ...h, facts: { ...(h.facts as Record<string, unknown>), cpus } };
};

describe('the hosts that may become masters', () => {
  test('fewer than 2 CPUs is no master; 2 is; the ones that can come first', () => {
    expect(masterUnsuitable(withCpus('small', 1))).toEqual({ reason: 'fewCpus', cpus: 1 });
    expect(masterUnsuitable(withCpus('two', 2))).toBeNull();
    const hosts = [withCpus('small', 1), host({ id: 'h-1', name: 'master-1', cluster_id: 'k-1' }), withCpus('big', 8)];
    expect(masterCandidates(hosts, 'k-1').map((h) => h.name)).toEqual(['big', 'small']);
  });

  test('the body names the hosts in the order chosen', () => {
    expect(toMastersBody(['h-5', 'h-4'])).toEqual({ nodes: [{ host_id: 'h-5' }, { host_id: 'h-4' }] });
  });
});

describe('etcd and the number of masters', () => {
  test('failures tolerated: 1 → 0, 2 → 0, 3 → 1, 4 → 1, 5 → 2', () => {
    expect([1, 2, 3, 4, 5].map(tolerates)).toEqual([0, 0, 1, 1, 2]);
  });

  test('the only master cannot be removed; the cluster’s own gating comes first', () => {
    const one = { nodes: [{ role: 'master' }, { role: 'worker' }] } as Parameters<typeof removeMasterBlocked>[1];
    const three = { nodes: [{ role: 'master' }, { role: 'master' }, { role: 'master' }] } as Parameters<typeof removeMasterBlocked>[1];
    expect(removeMasterBlocked(null, one)).toBe('onlyMaster');
    expect(removeMasterBlocked('busy', one)).toBe('busy');
    expect(removeMasterBlocked(null, three)).toBeNull();
    expect(removeMasterBlocked('notRunning', three)).toBe('notRunning');
  });
});
