// The project the console is working in: chosen in the header, remembered across reloads.
import { useQuery } from '@tanstack/react-query';
import { api, call, type Schemas } from '../api';
import { useMe } from './auth';
import { canWrite, roleIn, type Role } from './permissions';
import { createStore, useStore } from './store';

export type Project = Schemas['ProjectOut'];
export const projectsKey = ['projects'] as const;
export const selectedProjectStore = createStore<string | null>(null, 'ko.project');

/** The query behind useProjects, also started before the first render (boot.ts). */
export const projectsQuery = {
  queryKey: [...projectsKey, 'list'],
  queryFn: () => call(api.GET('/api/v1/projects', { params: { query: { limit: 500 } } })),
};

export function useProjects() {
  return useQuery(projectsQuery);
}

/** The chosen project if it still exists, else the one named default, else the first. */
export function pickProject(projects: Project[], selected: string | null): Project | null {
  return projects.find((p) => p.id === selected) ?? projects.find((p) => p.name === 'default') ?? projects[0] ?? null;
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
  const project = pickProject(projects, selected);
  return {
    project,
    projects,
    role: roleIn(me, project?.id),
    canWrite: canWrite(me, project?.id),
    isLoading,
    select: (id) => selectedProjectStore.set(id),
  };
}
