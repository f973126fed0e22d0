import { render, screen } from '@testing-library/react';
import { describe, expect, test } from 'vitest';
import type { Schemas } from '../../api';
import { Providers } from '../../app/Providers';
import { liveEvent } from '../../test/events';
import { testQueryClient } from '../../test/render';
import { clusterHandlers, clustersKey } from './live';
import { ClusterStatusTag } from './StatusTag';
import { cluster } from './testData';

type Cluster = Schemas['ClusterOut'];

function tagOf(c: Cluster): HTMLElement {
  render(
    <Providers queryClient={testQueryClient()}>
      <ClusterStatusTag cluster={c} />
    </Providers>,
  );
  return screen.getByTestId('cluster-status');
}

const cancelledDeploy = () =>
  cluster({
    status: 'failed',
    status_message: 'The deploy was cancelled at phase masters. Retry it to resume there, or delete the cluster.',
    operation: { id: 'op-1', kind: 'deploy', status: 'cancelled', phase: null, phases_done: 2, phases_total: 4 },
  });

describe('cluster status tag', () => {
  test('a cluster whose deploy was cancelled reads Cancelled, not Failed', () => {
    const tag = tagOf(cancelledDeploy());
    expect(tag.textContent).toBe('Cancelled');
    expect(tag.getAttribute('data-status')).toBe('failed');
    expect(tag.getAttribute('data-cancelled')).toBe('true');
  });

  test('a failed deploy still reads Failed', () => {
    const tag = tagOf(cluster({ status: 'failed', operation: { ...cancelledDeploy().operation!, status: 'failed' } }));
    expect(tag.textContent).toBe('Failed');
    expect(tag.getAttribute('data-cancelled')).toBeNull();
  });

  test("the operation's cancelled event reaches the cluster's cached operation before the cluster's own event", () => {
    const queryClient = testQueryClient();
    const detail = [...clustersKey, 'detail', 'k-1'];
    queryClient.setQueryData<Cluster>(detail, cluster());
    const type = 'kubeoperator.deployment.operation.cancelled.v1';
    clusterHandlers[type](queryClient, liveEvent(type, { id: 'op-1', cluster_id: 'k-1', status: 'cancelled' }, { id: 'e1', source: 'ko/deployment' }));
    expect(queryClient.getQueryData<Cluster>(detail)?.operation?.status).toBe('cancelled');
  });
});
