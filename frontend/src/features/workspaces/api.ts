// Workspaces: the VMs the provisioning service created from an inventory plan (a cluster's when
// `cluster_id` is set: then it also has the cluster's id and name). Read while they change: polled until nothing is on its way.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, call, type Schemas } from '../../api';
import { hostsKey } from '../hosts/live';
import { workspacesKey } from './live';

export type Workspace = Schemas['WorkspaceOut'];
export type WorkspaceStatus = Workspace['status'];
export type Vm = Schemas['VmOut'];
export type VmStatus = Vm['status'];

/** The API's bounds of a worker count (WorkspaceUpdate, ProvisioningIn). */
export const MAX_WORKERS = 100;
/** How often a workspace on its way (or a cluster changing its VMs) is read again. */
export const POLL_MS = 5_000;
const BUSY: ReadonlySet<WorkspaceStatus> = new Set(['provisioning', 'destroying']);
export const isBusy = (ws: Pick<Workspace, 'status'>) => BUSY.has(ws.status);

export const workspaceListKey = (projectId: string | undefined, offset: number, limit: number) =>
  [...workspacesKey, 'list', { projectId, offset, limit }] as const;
export const workspaceKey = (id: string) => [...workspacesKey, 'detail', id] as const;

export function useWorkspaces(projectId: string | undefined, offset: number, limit: number) {
  return useQuery({
    queryKey: workspaceListKey(projectId, offset, limit),
    queryFn: () => call(api.GET('/api/v1/workspaces', { params: { query: { project_id: projectId, limit, offset } } })),
    enabled: !!projectId,
    placeholderData: keepPreviousData,
    refetchInterval: (q) => (q.state.data?.items.some(isBusy) ? POLL_MS : false),
  });
}

/**
 * One workspace with its VMs and last operation. `poll` keeps reading it (the cluster is changing its
 * VMs); it is read again anyway while the workspace itself is on its way. A cluster's workspace that
 * does not exist yet (the deploy's provision step makes it) is `null`, not an error.
 */
export function useWorkspace(id: string | undefined, poll = false) {
  return useQuery({
    queryKey: workspaceKey(id ?? ''),
    queryFn: async () => {
      try {
        return await call(api.GET('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: id ?? '' } } }));
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
    enabled: !!id,
    refetchInterval: (q) => (poll || (q.state.data && isBusy(q.state.data)) ? POLL_MS : false),
  });
}

/** After a 202: the workspace as answered, the lists and hosts (VMs come and go as hosts) read again. */
function useWorkspaceMutation<V>(fn: (vars: V) => Promise<Workspace>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: (ws) => {
      queryClient.setQueryData(workspaceKey(ws.id), ws);
      void queryClient.invalidateQueries({ queryKey: hostsKey });
      return queryClient.invalidateQueries({ queryKey: [...workspacesKey, 'list'] });
    },
  });
}

export const useScaleWorkspace = () =>
  useWorkspaceMutation(({ id, workerCount }: { id: string; workerCount: number }) =>
    call(api.PATCH('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: id } }, body: { worker_count: workerCount } })),
  );

export const useRetryWorkspace = () =>
  useWorkspaceMutation((id: string) => call(api.POST('/api/v1/workspaces/{workspace_id}/retry', { params: { path: { workspace_id: id } } })));

export const useDeleteWorkspace = () =>
  useWorkspaceMutation((id: string) => call(api.DELETE('/api/v1/workspaces/{workspace_id}', { params: { path: { workspace_id: id } } })));
