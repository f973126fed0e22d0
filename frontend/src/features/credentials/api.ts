import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { credentialsKey } from './live';

export type Credential = Schemas['CredentialOut'];
export type CredentialCreate = Schemas['CredentialCreate'];
export type CredentialUpdate = Schemas['CredentialUpdate'];
export type CredentialPage = Schemas['Page_CredentialOut_'];

export interface CredentialQuery {
  projectId?: string;
  q?: string;
  limit: number;
  offset: number;
}

export const credentialListKey = (query: CredentialQuery) => [...credentialsKey, 'list', query] as const;

export function useCredentials(query: CredentialQuery, enabled = true) {
  return useQuery({
    queryKey: credentialListKey(query),
    queryFn: () =>
      call(
        api.GET('/api/v1/credentials', {
          params: { query: { project_id: query.projectId, q: query.q || undefined, limit: query.limit, offset: query.offset } },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useCreateCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: CredentialCreate) => call(api.POST('/api/v1/credentials', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: credentialsKey }),
  });
}

export function useUpdateCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: CredentialUpdate }) =>
      call(api.PATCH('/api/v1/credentials/{credential_id}', { params: { path: { credential_id: id } }, body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: credentialsKey }),
  });
}

export function useDeleteCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      call(api.DELETE('/api/v1/credentials/{credential_id}', { params: { path: { credential_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: credentialsKey }),
  });
}
