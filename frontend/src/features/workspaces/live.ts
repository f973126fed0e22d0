// Live workspace events → the workspaces' caches. An event carries the workspace's status and VMs but
// not its operation, so the lists and the page read it again (once per burst: a provision sends several).
import type { QueryClient } from '@tanstack/react-query';
import { on, type LiveHandler } from '../../live/events';

export const workspacesKey = ['workspaces'] as const;
const BATCH_MS = 300;
const TYPES = [
  'kubeoperator.provisioning.workspace.created.v1',
  'kubeoperator.provisioning.workspace.scaled.v1',
  'kubeoperator.provisioning.workspace.provisioned.v1',
  'kubeoperator.provisioning.workspace.failed.v1',
  'kubeoperator.provisioning.workspace.destroying.v1',
  'kubeoperator.provisioning.workspace.deleted.v1',
] as const;

const pending = new WeakMap<QueryClient, ReturnType<typeof setTimeout>>();

const changed: LiveHandler<(typeof TYPES)[number]> = (queryClient) => {
  if (pending.has(queryClient)) return;
  pending.set(
    queryClient,
    setTimeout(() => {
      pending.delete(queryClient);
      void queryClient.invalidateQueries({ queryKey: workspacesKey });
    }, BATCH_MS),
  );
};

export const workspaceHandlers = on(TYPES, changed);
