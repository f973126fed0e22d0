import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';

export type BackupAccount = Schemas['BackupAccountOut'];
export type BackupAccountCreate = Schemas['BackupAccountCreate'];
export type BackupAccountUpdate = Schemas['BackupAccountUpdate'];
export type AccountKind = BackupAccount['kind'];
export type AccountTestResult = Schemas['AccountTestResult'];

export const ACCOUNT_KINDS: readonly AccountKind[] = ['local', 'sftp', 's3'];
export const backupAccountsKey = ['backup-accounts'] as const;

export interface AccountQuery {
  q?: string;
  limit: number;
  offset: number;
}

export function useBackupAccounts(query: AccountQuery) {
  return useQuery({
    queryKey: [...backupAccountsKey, 'list', query],
    queryFn: () =>
      call(api.GET('/api/v1/backup-accounts', { params: { query: { q: query.q || undefined, limit: query.limit, offset: query.offset } } })),
    placeholderData: keepPreviousData,
  });
}

function useInvalidating<A, R>(fn: (arg: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => queryClient.invalidateQueries({ queryKey: backupAccountsKey }) });
}

const path = (id: string) => ({ params: { path: { account_id: id } } });

export const useCreateBackupAccount = () =>
  useInvalidating((body: BackupAccountCreate) => call(api.POST('/api/v1/backup-accounts', { body })));

export const useUpdateBackupAccount = () =>
  useInvalidating(({ id, body }: { id: string; body: BackupAccountUpdate }) =>
    call(api.PATCH('/api/v1/backup-accounts/{account_id}', { ...path(id), body })),
  );

export const useDeleteBackupAccount = () =>
  useInvalidating((id: string) => call(api.DELETE('/api/v1/backup-accounts/{account_id}', path(id))));

/** Writes, reads back and deletes a probe object; a failure is an ApiError (422) naming the field to fix. */
export function useTestBackupAccount() {
  return useMutation({
    mutationFn: (id: string) => call(api.POST('/api/v1/backup-accounts/{account_id}/test', path(id))),
  });
}
