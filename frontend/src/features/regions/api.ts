import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { plansKey, regionsKey, zonesKey } from '../cloud/live';

export type Region = Schemas['RegionOut'];
export type RegionCreate = Schemas['RegionCreate'];
export type RegionUpdate = Schemas['RegionUpdate'];
export type Provider = Region['provider'];
export const PROVIDERS: Provider[] = ['vsphere', 'openstack'];

export interface RegionQuery {
  projectId?: string;
  q?: string;
  provider?: Provider;
  limit: number;
  offset: number;
}

export const regionListKey = (query: RegionQuery) => [...regionsKey, 'list', query] as const;

export function useRegions(query: RegionQuery, enabled = true) {
  return useQuery({
    queryKey: regionListKey(query),
    queryFn: () =>
      call(
        api.GET('/api/v1/regions', {
          params: {
            query: { project_id: query.projectId, q: query.q || undefined, provider: query.provider, limit: query.limit, offset: query.offset },
          },
        }),
      ),
    enabled: enabled && !!query.projectId,
    placeholderData: keepPreviousData,
  });
}

/** Every region of a project (for pickers and names); the API pages at 200. */
export const useAllRegions = (projectId: string | undefined) => useRegions({ projectId, limit: 200, offset: 0 });

function useRegionMutation<V, R>(fn: (vars: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: regionsKey });
      // Zones and plans show their region's name and provider.
      void queryClient.invalidateQueries({ queryKey: zonesKey });
      void queryClient.invalidateQueries({ queryKey: plansKey });
    },
  });
}

export const useCreateRegion = () => useRegionMutation((body: RegionCreate) => call(api.POST('/api/v1/regions', { body })));

export const useUpdateRegion = () =>
  useRegionMutation(({ id, body }: { id: string; body: RegionUpdate }) =>
    call(api.PATCH('/api/v1/regions/{region_id}', { params: { path: { region_id: id } }, body })),
  );

export const useDeleteRegion = () =>
  useRegionMutation((id: string) => call(api.DELETE('/api/v1/regions/{region_id}', { params: { path: { region_id: id } } })));
