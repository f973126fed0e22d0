import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { meKey } from '../../app/auth';
import { projectsKey } from '../../app/project';
import { membersKey } from './keys';

export type Member = Schemas['MemberOut'];
export type MemberRole = Schemas['MemberIn']['role'];

export function useProject(projectId: string) {
  return useQuery({
    queryKey: [...projectsKey, 'one', projectId],
    queryFn: () => call(api.GET('/api/v1/projects/{project_id}', { params: { path: { project_id: projectId } } })),
  });
}

export function useMemberCandidates(projectId: string, q: string) {
  return useQuery({
    queryKey: [...membersKey(projectId), 'candidates', q],
    queryFn: () =>
      call(
        api.GET('/api/v1/projects/{project_id}/member-candidates', {
          params: { path: { project_id: projectId }, query: { q: q || undefined, limit: 20 } },
        }),
      ),
  });
}

export function useMembers(projectId: string) {
  return useQuery({
    queryKey: membersKey(projectId),
    queryFn: () => call(api.GET('/api/v1/projects/{project_id}/members', { params: { path: { project_id: projectId } } })),
  });
}

function useProjectsMutation<A, R>(fn: (arg: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => queryClient.invalidateQueries({ queryKey: projectsKey }) });
}

export const useCreateProject = () =>
  useProjectsMutation((body: Schemas['ProjectCreate']) => call(api.POST('/api/v1/projects', { body })));

export const useUpdateProject = () =>
  useProjectsMutation(({ id, body }: { id: string; body: Schemas['ProjectUpdate'] }) =>
    call(api.PATCH('/api/v1/projects/{project_id}', { params: { path: { project_id: id } }, body })),
  );

export const useDeleteProject = () =>
  useProjectsMutation((id: string) => call(api.DELETE('/api/v1/projects/{project_id}', { params: { path: { project_id: id } } })));

function useMembersMutation<A, R>(projectId: string, fn: (arg: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: membersKey(projectId) });
      void queryClient.invalidateQueries({ queryKey: meKey });
    },
  });
}

export const useSetMember = (projectId: string) =>
  useMembersMutation(projectId, ({ userId, role }: { userId: string; role: MemberRole }) =>
    call(
      api.PUT('/api/v1/projects/{project_id}/members/{user_id}', {
        params: { path: { project_id: projectId, user_id: userId } },
        body: { role },
      }),
    ),
  );

export const useRemoveMember = (projectId: string) =>
  useMembersMutation(projectId, (userId: string) =>
    call(
      api.DELETE('/api/v1/projects/{project_id}/members/{user_id}', {
        params: { path: { project_id: projectId, user_id: userId } },
      }),
    ),
  );
