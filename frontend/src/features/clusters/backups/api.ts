// Queries and mutations of a cluster's backups tab: its backups and restores (backup service), the
// backup accounts shared with its project, and the operation a backup or restore runs as.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../../api';
import { backupAccountsKey } from '../../backupaccounts/api';
import { clusterKey } from '../api';
import { clustersKey, operationsKey } from '../live';
import { backupsKey, restoresKey } from './live';

export type Backup = Schemas['BackupOut'];
export type Restore = Schemas['RestoreOut'];
export type BackupStatus = Backup['status'];
export type RestoreStatus = Restore['status'];

export { backupsKey, restoresKey };
export const BACKUP_PAGE_SIZE = 10;

const clusterPath = (clusterId: string) => ({ path: { cluster_id: clusterId } });

/** One page of a cluster's backups, newest first (the API's order). */
export function useBackups(clusterId: string, offset: number, limit = BACKUP_PAGE_SIZE) {
  return useQuery({
    queryKey: [...backupsKey(clusterId), { offset, limit }],
    queryFn: () => call(api.GET('/api/v1/clusters/{cluster_id}/backups', { params: { ...clusterPath(clusterId), query: { offset, limit } } })),
    placeholderData: keepPreviousData,
  });
}

export function useRestores(clusterId: string, offset: number, limit = BACKUP_PAGE_SIZE) {
  return useQuery({
    queryKey: [...restoresKey(clusterId), { offset, limit }],
    queryFn: () => call(api.GET('/api/v1/clusters/{cluster_id}/restores', { params: { ...clusterPath(clusterId), query: { offset, limit } } })),
    placeholderData: keepPreviousData,
  });
}

/** The backup accounts shared with a project (asked only while the back-up dialog is open). */
export function useProjectBackupAccounts(projectId: string, enabled: boolean) {
  return useQuery({
    queryKey: [...backupAccountsKey, 'project', projectId],
    queryFn: () => call(api.GET('/api/v1/backup-accounts', { params: { query: { project_id: projectId, limit: 200, offset: 0 } } })),
    enabled,
  });
}

/** The operation a backup or restore runs as; the live operation events refetch it (operationsKey). */
export function useFollowedOperation(id: string | null) {
  return useQuery({
    queryKey: [...operationsKey, 'detail', id ?? ''],
    queryFn: () => call(api.GET('/api/v1/operations/{operation_id}', { params: { path: { operation_id: id ?? '' } } })),
    enabled: !!id,
  });
}

/** After a backup or restore starts: its list, the cluster (its current operation) and the operations read again. */
function useStarting<V, R>(fn: (vars: V) => Promise<R>, key: (clusterId: string) => readonly unknown[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (_r, vars) => {
      const clusterId = (vars as { clusterId: string }).clusterId;
      void queryClient.invalidateQueries({ queryKey: clusterKey(clusterId) });
      void queryClient.invalidateQueries({ queryKey: operationsKey });
      void queryClient.invalidateQueries({ queryKey: [...clustersKey, 'list'] });
      return queryClient.invalidateQueries({ queryKey: key(clusterId) });
    },
  });
}

/** POST a backup into an account: 201 with the `running` backup and its `operation_id`. */
export const useCreateBackup = () =>
  useStarting(
    ({ clusterId, accountId }: { clusterId: string; accountId: string }) =>
      call(api.POST('/api/v1/clusters/{cluster_id}/backups', { params: clusterPath(clusterId), body: { account_id: accountId } })),
    backupsKey,
  );

/** POST a restore (`confirm`: the cluster's name, checked by the API too): 201 with its `operation_id`. */
export const useCreateRestore = () =>
  useStarting(
    ({ clusterId, backupId, confirm }: { clusterId: string; backupId: string; confirm: string }) =>
      call(api.POST('/api/v1/clusters/{cluster_id}/restores', { params: clusterPath(clusterId), body: { backup_id: backupId, confirm } })),
    restoresKey,
  );

/** DELETE a backup: its snapshot and PKI leave the account (409 while it is still running). */
export function useDeleteBackup() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ clusterId, backupId }: { clusterId: string; backupId: string }) =>
      call(api.DELETE('/api/v1/clusters/{cluster_id}/backups/{backup_id}', { params: { path: { cluster_id: clusterId, backup_id: backupId } } })),
    onSettled: (_r, _e, { clusterId }) => queryClient.invalidateQueries({ queryKey: backupsKey(clusterId) }),
  });
}
