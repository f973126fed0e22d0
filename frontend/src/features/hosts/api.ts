import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { hostsKey } from './live';

export type Host = Schemas['HostOut'];
export type HostStatus = Host['status'];
export type HostCreate = Schemas['HostCreate'];
export type HostUpdate = Schemas['HostUpdate'];
export type ImportReport = Schemas['ImportReport'];
export type CheckReport = Schemas['CheckReport'];

export const HOST_STATUSES: HostStatus[] = ['ready', 'unreachable', 'auth_failed', 'no_root', 'host_key_changed', 'error'];

export interface HostQuery {
  projectId?: string;
  q?: string;
  status?: HostStatus;
  available?: boolean;
  limit: number;
  offset: number;
}

export const hostListKey = (query: HostQuery) => [...hostsKey, 'list', query] as const;
export const hostKey = (id: string) => [...hostsKey, 'detail', id] as const;

export function useHosts(query: HostQuery, enabled = true) {
  return useQuery({
    queryKey: hostListKey(query),
    queryFn: () =>
      call(
        api.GET('/api/v1/hosts', {
          params: {
            query: {
              project_id: query.projectId,
              q: query.q || undefined,
              status: query.status,
              available: query.available,
              limit: query.limit,
              offset: query.offset,
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useHost(id: string | undefined) {
  return useQuery({
    queryKey: hostKey(id ?? ''),
    queryFn: () => call(api.GET('/api/v1/hosts/{host_id}', { params: { path: { host_id: id ?? '' } } })),
    enabled: !!id,
  });
}

/** Every mutation's answer refreshes the lists; one that returns the host also refreshes its detail at once. */
function useHostMutation<V, R>(fn: (vars: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (result) => {
      const host = result as Partial<Host> | undefined;
      if (host && typeof host === 'object' && 'id' in host && 'status' in host && host.id) {
        queryClient.setQueryData(hostKey(host.id), host);
      }
      return queryClient.invalidateQueries({ queryKey: hostsKey });
    },
  });
}

export function useRegisterHost() {
  return useHostMutation((body: HostCreate) => call(api.POST('/api/v1/hosts', { body })));
}

export function useUpdateHost() {
  return useHostMutation(({ id, body }: { id: string; body: HostUpdate }) =>
    call(api.PATCH('/api/v1/hosts/{host_id}', { params: { path: { host_id: id } }, body })),
  );
}

export function useDeleteHost() {
  return useHostMutation((id: string) => call(api.DELETE('/api/v1/hosts/{host_id}', { params: { path: { host_id: id } } })));
}

export function useCheckHost() {
  return useHostMutation((id: string) => call(api.POST('/api/v1/hosts/{host_id}/check', { params: { path: { host_id: id } } })));
}

export function useCheckHosts() {
  return useHostMutation((body: Schemas['HostChecks']) => call(api.POST('/api/v1/hosts/checks', { body })));
}

export function useAcceptHostKey() {
  return useHostMutation(({ id, fingerprint }: { id: string; fingerprint: string }) =>
    call(api.POST('/api/v1/hosts/{host_id}/host-key/accept', { params: { path: { host_id: id } }, body: { fingerprint } })),
  );
}

export type ImportFormat = 'text/csv' | 'application/yaml';

/** The content type the import expects for a file name, or null for one it cannot read. */
export function importFormat(fileName: string): ImportFormat | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv')) return 'text/csv';
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return 'application/yaml';
  return null;
}

export function useImportHosts() {
  return useHostMutation(({ projectId, text, format }: { projectId: string; text: string; format: ImportFormat }) =>
    call(
      api.POST('/api/v1/hosts/import', {
        params: { query: { project_id: projectId } },
        // The file goes as it is, not as JSON.
        body: text,
        bodySerializer: (body: unknown) => body as string,
        headers: { 'Content-Type': format },
      }),
    ),
  );
}
