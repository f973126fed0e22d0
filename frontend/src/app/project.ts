// The project the console is working in: chosen in the header, remembered across reloads.
import { useQuery } from '@tanstack/react-query';
import { api, call, type Schemas } from '../api';
import { useMe } from './auth';
import { canWrite, roleIn, type Role } from './permissions';
import { createStore, useStore } from './store';

export type Project = Schemas['ProjectOut'];
export const projectsKey = ['projects'] as const;
export const selectedProjectStore = createStore<string | null>(null, 'ko.project');

export function useProjects() {
  return useQuery({
    queryKey: [...projectsKey, 'list'],
    queryFn: () => call(api.GET('/api/v1/projects', { params: { query: { limit: 500 } } })),
  });
}

export interface CurrentProject {
  project: Project | null;
  projects: Project[];
  role: Role | null;
  canWrite: boolean;
  isLoading: boolean;
  select: (id: string) => void;
}

export function useCurrentProject(): CurrentProject {
  const me = useMe().data;
  const { data, isLoading } = useProjects();
  const selected = useStore(selectedProjectStore);
  const projects = data?.items ?? [];
  const project =
    projects.find((p) => p.id === selected) ?? projects.find((p) => p.name === 'default') ?? projects[0] ?? null;
  return {
    project,
    projects,
    role: roleIn(me, project?.id),
    canWrite: canWrite(me, project?.id),
    isLoading,
    select: (id) => selectedProjectStore.set(id),
  };
}
