// Live events of regions, zones, plans and IP pools → their caches. Events carry a summary, not the
// whole resource: a deletion is applied in place at once, everything else refetches (one per burst).
import type { QueryClient, QueryKey } from '@tanstack/react-query';
import type { Envelope, LiveHandler } from '../../live/events';

export const regionsKey = ['regions'] as const;
export const zonesKey = ['zones'] as const;
export const plansKey = ['plans'] as const;
export const ipPoolsKey = ['ip-pools'] as const;
export const cloudKeys: QueryKey[] = [regionsKey, zonesKey, plansKey, ipPoolsKey];

const BATCH_MS = 300;
const pending = new WeakMap<QueryClient, Map<string, ReturnType<typeof setTimeout>>>();

function refetchSoon(queryClient: QueryClient, queryKey: QueryKey): void {
  const timers = pending.get(queryClient) ?? new Map<string, ReturnType<typeof setTimeout>>();
  pending.set(queryClient, timers);
  const id = JSON.stringify(queryKey);
  if (timers.has(id)) return;
  timers.set(
    id,
    setTimeout(() => {
      timers.delete(id);
      void queryClient.invalidateQueries({ queryKey });
    }, BATCH_MS),
  );
}

interface Page {
  items: { id: string }[];
  total: number;
}

function removeFromLists(queryClient: QueryClient, queryKey: QueryKey, id: string): void {
  queryClient.setQueriesData<Page>({ queryKey: [...queryKey, 'list'] }, (page) => {
    if (!page || !page.items.some((item) => item.id === id)) return page;
    return { ...page, items: page.items.filter((item) => item.id !== id), total: Math.max(0, page.total - 1) };
  });
  queryClient.removeQueries({ queryKey: [...queryKey, 'detail', id] });
}

function handlers(kind: string, queryKey: QueryKey, alsoRefetch: QueryKey[] = []): Record<string, LiveHandler> {
  const prefix = `kubeoperator.inventory.${kind}.`;
  const changed: LiveHandler = (queryClient) => {
    refetchSoon(queryClient, queryKey);
    alsoRefetch.forEach((key) => refetchSoon(queryClient, key));
  };
  return {
    [`${prefix}created.v1`]: changed,
    [`${prefix}updated.v1`]: changed,
    [`${prefix}deleted.v1`]: (queryClient, event: Envelope) => {
      removeFromLists(queryClient, queryKey, (event.data.id as string | undefined) ?? event.subject ?? '');
      void queryClient.invalidateQueries({ queryKey, refetchType: 'none' });
      alsoRefetch.forEach((key) => refetchSoon(queryClient, key));
    },
  };
}

const poolAddressesChanged: LiveHandler = (queryClient) => refetchSoon(queryClient, ipPoolsKey);

export const cloudHandlers: Record<string, LiveHandler> = {
  ...handlers('region', regionsKey),
  // A zone's name shows in the plans' placement; a zone holds its pool.
  ...handlers('zone', zonesKey, [plansKey]),
  ...handlers('plan', plansKey),
  ...handlers('ippool', ipPoolsKey),
  'kubeoperator.inventory.ippool.allocated.v1': poolAddressesChanged,
  'kubeoperator.inventory.ippool.released.v1': poolAddressesChanged,
};
