import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';

export type User = Schemas['UserOut'];
export const usersKey = ['users'] as const;

export function useUsers(query: { q?: string; limit: number; offset: number }, enabled = true) {
  return useQuery({
    queryKey: [...usersKey, 'list', query],
    queryFn: () => call(api.GET('/api/v1/users', { params: { query: { ...query, q: query.q || undefined } } })),
    placeholderData: keepPreviousData,
    enabled,
  });
}

function useInvalidating<A, R>(fn: (arg: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => queryClient.invalidateQueries({ queryKey: usersKey }) });
}

export const useCreateUser = () =>
  useInvalidating((body: Schemas['UserCreate']) => call(api.POST('/api/v1/users', { body })));

export const useUpdateUser = () =>
  useInvalidating(({ id, body }: { id: string; body: Schemas['UserUpdate'] }) =>
    call(api.PATCH('/api/v1/users/{user_id}', { params: { path: { user_id: id } }, body })),
  );

export const useDeleteUser = () =>
  useInvalidating((id: string) => call(api.DELETE('/api/v1/users/{user_id}', { params: { path: { user_id: id } } })));

export const useUnlockUser = () =>
  useInvalidating((id: string) => call(api.POST('/api/v1/users/{user_id}/unlock', { params: { path: { user_id: id } } })));
