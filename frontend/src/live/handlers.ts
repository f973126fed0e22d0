// Which cache each live event updates. EventSource needs every event type named up front.
import type { QueryKey } from '@tanstack/react-query';
import { meKey, type Me } from '../app/auth';
import { projectsKey } from '../app/project';
import { clusterHandlers, clustersKey, operationsKey } from '../features/clusters/live';
import { cloudHandlers, cloudKeys } from '../features/cloud/live';
import { credentialHandlers, credentialsKey } from '../features/credentials/live';
import { hostHandlers, hostsKey } from '../features/hosts/live';
import { membersKey } from '../features/projects/keys';
import type { LiveHandler } from './events';

const memberChanged: LiveHandler = (queryClient, event) => {
  const projectId = (event.data.project_id as string | undefined) ?? event.projectid ?? '';
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

export const liveHandlers: Record<string, LiveHandler> = {
  ...credentialHandlers,
  ...hostHandlers,
  ...cloudHandlers,
  ...clusterHandlers,
  'kubeoperator.gateway.member.set.v1': memberChanged,
  'kubeoperator.gateway.member.removed.v1': memberChanged,
  'kubeoperator.gateway.project.updated.v1': projectChanged,
  'kubeoperator.gateway.project.deleted.v1': projectChanged,
};

/** Refetched when the stream (re)opens without a position to resume from, to close any gap. */
export const resyncKeys: QueryKey[] = [credentialsKey, hostsKey, ...cloudKeys, clustersKey, operationsKey, ['members'], projectsKey];
