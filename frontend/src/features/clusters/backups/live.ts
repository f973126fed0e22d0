// Live backup, restore and strategy events → that cluster's backups, restores or strategy, read again
// (a strategy's next run and last error change when it fires).
import { on } from '../../../live/events';

export const backupsKey = (clusterId: string) => ['backups', clusterId] as const;
export const restoresKey = (clusterId: string) => ['restores', clusterId] as const;
export const strategyKey = (clusterId: string) => ['backup-strategy', clusterId] as const;

export const backupHandlers = {
  ...on(
    [
      'kubeoperator.backup.backup.started.v1',
      'kubeoperator.backup.backup.succeeded.v1',
      'kubeoperator.backup.backup.failed.v1',
      'kubeoperator.backup.backup.deleted.v1',
    ],
    (queryClient, event) => {
      if (event.data.cluster_id) void queryClient.invalidateQueries({ queryKey: backupsKey(event.data.cluster_id) });
    },
  ),
  ...on(['kubeoperator.backup.restore.started.v1', 'kubeoperator.backup.restore.succeeded.v1', 'kubeoperator.backup.restore.failed.v1'], (queryClient, event) => {
    if (event.data.cluster_id) void queryClient.invalidateQueries({ queryKey: restoresKey(event.data.cluster_id) });
  }),
  ...on(
    ['kubeoperator.backup.strategy.updated.v1', 'kubeoperator.backup.strategy.deleted.v1', 'kubeoperator.backup.strategy.run-failed.v1'],
    (queryClient, event) => {
      if (event.data.cluster_id) void queryClient.invalidateQueries({ queryKey: strategyKey(event.data.cluster_id) });
    },
  ),
};
