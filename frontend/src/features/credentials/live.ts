// Live credential events → the credentials caches. Events carry no secret and not every field,
// so a deletion is applied in place and the rest refetch the lists.
import type { QueryClient } from '@tanstack/react-query';
import type { Schemas } from '../../api';
import { on, type Envelope } from '../../live/events';

type Page = Schemas['Page_CredentialOut_'];
type Updated = Envelope<'kubeoperator.inventory.credential.updated.v1'>;
export const credentialsKey = ['credentials'] as const;

function removeFromLists(queryClient: QueryClient, id: string): void {
  queryClient.setQueriesData<Page>({ queryKey: [...credentialsKey, 'list'] }, (page) => {
    if (!page || !page.items.some((c) => c.id === id)) return page;
    return { ...page, items: page.items.filter((c) => c.id !== id), total: Math.max(0, page.total - 1) };
  });
}

function patchLists(queryClient: QueryClient, event: Updated): void {
  const { id, name, username, auth_type } = event.data as Partial<Updated['data']>;
  queryClient.setQueriesData<Page>({ queryKey: [...credentialsKey, 'list'] }, (page) =>
    page && {
      ...page,
      items: page.items.map((c) =>
        c.id === id
          ? { ...c, name: name ?? c.name, username: username ?? c.username, auth_type: auth_type ?? c.auth_type }
          : c,
      ),
    },
  );
}

export const credentialHandlers = {
  ...on(['kubeoperator.inventory.credential.created.v1'], (queryClient) => {
    void queryClient.invalidateQueries({ queryKey: credentialsKey });
  }),
  ...on(['kubeoperator.inventory.credential.updated.v1'], (queryClient, event) => {
    patchLists(queryClient, event);
    void queryClient.invalidateQueries({ queryKey: credentialsKey });
  }),
  ...on(['kubeoperator.inventory.credential.deleted.v1'], (queryClient, event) => {
    removeFromLists(queryClient, event.data.id ?? event.subject ?? '');
    void queryClient.invalidateQueries({ queryKey: credentialsKey, refetchType: 'none' });
  }),
};
