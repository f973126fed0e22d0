// Which cache each live event updates. EventSource needs every event type named up front.
import type { QueryKey } from '@tanstack/react-query';
import { meKey, type Me } from '../app/auth';
import { projectsKey } from '../app/project';
import { backupHandlers } from '../features/clusters/backups/live';
import { healthHandlers } from '../features/clusters/health/live';
import { healthKey } from '../features/clusters/health/api';
import { clusterHandlers, clustersKey, operationsKey } from '../features/clusters/live';
import { cloudHandlers, cloudKeys } from '../features/cloud/live';
import { credentialHandlers, credentialsKey } from '../features/credentials/live';
import { hostHandlers, hostsKey } from '../features/hosts/live';
import { kubeEventHandlers, kubeEventsKey } from '../features/kubeevents/live';
import { channelHandlers, channelsKey } from '../features/notifications/live';
import { alertHandlers, alertRoutesKey, alertsKey, silencesKey } from '../features/alerts/live';
import { membersKey } from '../features/projects/keys';
import { workspaceHandlers, workspacesKey } from '../features/workspaces/live';
import { on, type LiveHandler, type LiveHandlers } from './events';

const memberChanged: LiveHandler<'kubeoperator.gateway.member.set.v1' | 'kubeoperator.gateway.member.removed.v1'> = (
  queryClient,
  event,
) => {
  const projectId = event.data.project_id ?? event.projectid ?? '';
  void queryClient.invalidateQueries({ queryKey: membersKey(projectId) });
  // My own role changed: permissions (and what the console shows) follow at once.
  const me = queryClient.getQueryData<Me | null>(meKey);
  if (me && event.data.user_id === me.id) {
    void queryClient.invalidateQueries({ queryKey: meKey });
    void queryClient.invalidateQueries({ queryKey: projectsKey });
  }
};

const projectChanged: LiveHandler = (queryClient) => {
  void queryClient.invalidateQueries({ queryKey: projectsKey });
};

export const liveHandlers: LiveHandlers = {
  ...credentialHandlers,
  ...hostHandlers,
  ...cloudHandlers,
  ...clusterHandlers,
  ...backupHandlers,
  ...healthHandlers,
  ...channelHandlers,
  ...kubeEventHandlers,
  ...alertHandlers,
  ...workspaceHandlers,
  ...on(['kubeoperator.gateway.member.set.v1', 'kubeoperator.gateway.member.removed.v1'], memberChanged),
  ...on(['kubeoperator.gateway.project.updated.v1', 'kubeoperator.gateway.project.deleted.v1'], projectChanged),
};

/** Refetched when the stream (re)opens without a position to resume from, to close any gap. */
export const resyncKeys: QueryKey[] = [credentialsKey, hostsKey, ...cloudKeys, clustersKey, operationsKey, healthKey, ['backups'], ['restores'], ['members'], projectsKey, channelsKey, kubeEventsKey, alertsKey, silencesKey, alertRoutesKey, workspacesKey];
