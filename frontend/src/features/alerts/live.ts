// Live alert events → the alerts caches. A firing or resolved alert moves rows between the Firing and
// History lists and shifts their pages and totals, so the lists refetch; a flapping cluster sends them
// in bursts: at once, then at most once a second while they keep coming (none forgotten).
// Silences change which alerts are silenced (the alert rows say so), so they refetch the alerts too.
import type { QueryClient } from '@tanstack/react-query';
import { on } from '../../live/events';

export const alertsKey = ['alerts'] as const;
export const alertListKey = [...alertsKey, 'list'] as const;
export const silencesKey = ['silences'] as const;
export const alertRoutesKey = ['alert-routes'] as const;
export const alertRulesKey = ['alert-rules'] as const;
export const THROTTLE_MS = 1000;

const refetchAlerts = (queryClient: QueryClient) => void queryClient.invalidateQueries({ queryKey: alertListKey });

// Per query client (one in the console, one per test): whether alerts came while cooling down.
const cooling = new WeakMap<QueryClient, { missed: boolean }>();

function cool(queryClient: QueryClient): void {
  const state = { missed: false };
  cooling.set(queryClient, state);
  setTimeout(() => {
    cooling.delete(queryClient);
    if (state.missed) {
      refetchAlerts(queryClient);
      cool(queryClient);
    }
  }, THROTTLE_MS);
}

export const alertHandlers = {
  ...on(['kubeoperator.observability.alert.firing.v1', 'kubeoperator.observability.alert.resolved.v1'], (queryClient) => {
    const waiting = cooling.get(queryClient);
    if (waiting) {
      waiting.missed = true;
      return;
    }
    refetchAlerts(queryClient);
    cool(queryClient);
  }),
  ...on(['kubeoperator.observability.silence.created.v1', 'kubeoperator.observability.silence.expired.v1'], (queryClient) => {
    void queryClient.invalidateQueries({ queryKey: silencesKey });
    refetchAlerts(queryClient);
  }),
  ...on(
    [
      'kubeoperator.observability.alert-route.created.v1',
      'kubeoperator.observability.alert-route.updated.v1',
      'kubeoperator.observability.alert-route.deleted.v1',
    ],
    (queryClient) => void queryClient.invalidateQueries({ queryKey: alertRoutesKey }),
  ),
};
