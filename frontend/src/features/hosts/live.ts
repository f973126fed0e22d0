// Live host events → the hosts caches. Events carry the status and a summary of the facts, not all of them:
// what they carry is patched in at once, then the lists refetch (batched, since a bulk check sends many).
import type { QueryClient } from '@tanstack/react-query';
import type { Schemas } from '../../api';
import { on, type Envelope, type LiveHandler } from '../../live/events';

type Host = Schemas['HostOut'];
type Page = Schemas['Page_HostOut_'];
type HostEvent = Envelope<'kubeoperator.inventory.host.updated.v1'>['data'];
export const hostsKey = ['hosts'] as const;
const BATCH_MS = 300;

const pending = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();

/** One refetch for a burst of events (a bulk check of 100 hosts ends in 100 events). */
function refetchSoon(queryClient: QueryClient): void {
  if (pending.has(queryClient)) return;
  pending.set(
    queryClient,
    setTimeout(() => {
      pending.delete(queryClient);
      void queryClient.invalidateQueries({ queryKey: hostsKey });
    }, BATCH_MS),
  );
}

function patch(host: Host, data: Partial<HostEvent>): Host {
  return {
    ...host,
    name: data.name ?? host.name,
    port: data.port ?? host.port,
    credential_id: data.credential_id ?? host.credential_id,
    status: data.status ?? host.status,
    status_message: data.status_message ?? host.status_message,
    cluster_id: data.cluster_id !== undefined ? data.cluster_id : host.cluster_id,
  };
}

function patchCaches(queryClient: QueryClient, event: Envelope<'kubeoperator.inventory.host.checked.v1' | 'kubeoperator.inventory.host.updated.v1'>): void {
  const data = event.data as Partial<HostEvent>;
  if (!data.id) return;
  queryClient.setQueriesData<Page>({ queryKey: [...hostsKey, 'list'] }, (page) =>
    page && { ...page, items: page.items.map((h) => (h.id === data.id ? patch(h, data) : h)) },
  );
  queryClient.setQueryData<Host>([...hostsKey, 'detail', data.id], (host) => host && patch(host, data));
}

function removeFromLists(queryClient: QueryClient, id: string): void {
  queryClient.setQueriesData<Page>({ queryKey: [...hostsKey, 'list'] }, (page) => {
    if (!page || !page.items.some((h) => h.id === id)) return page;
    return { ...page, items: page.items.filter((h) => h.id !== id), total: Math.max(0, page.total - 1) };
  });
  queryClient.removeQueries({ queryKey: [...hostsKey, 'detail', id] });
}

const changed: LiveHandler<'kubeoperator.inventory.host.checked.v1' | 'kubeoperator.inventory.host.updated.v1'> = (queryClient, event) => {
  patchCaches(queryClient, event);
  refetchSoon(queryClient);
};

export const hostHandlers = {
  ...on(['kubeoperator.inventory.host.registered.v1'], (queryClient) => refetchSoon(queryClient)),
  ...on(['kubeoperator.inventory.host.checked.v1', 'kubeoperator.inventory.host.updated.v1'], changed),
  ...on(['kubeoperator.inventory.host.deleted.v1'], (queryClient, event) => {
    removeFromLists(queryClient, event.data.id ?? event.subject ?? '');
    void queryClient.invalidateQueries({ queryKey: hostsKey, refetchType: 'none' });
  }),
};
