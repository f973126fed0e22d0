import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { ipPoolsKey, plansKey, zonesKey } from '../cloud/live';
import type { Provider } from '../regions/api';

export type Zone = Schemas['ZoneOut'];
export type ZoneCreate = Schemas['ZoneCreate'];
export type ZoneUpdate = Schemas['ZoneUpdate'];
export type ZoneSettings = Schemas['ZoneSettings'];

/** Which provider_settings each provider takes, in form order; the rest are refused by the API. */
export const ZONE_SETTINGS: Record<Provider, { name: keyof ZoneSettings; required: boolean }[]> = {
  vsphere: [
    { name: 'cluster', required: true },
    { name: 'resource_pool', required: false },
    { name: 'datastore', required: true },
    { name: 'template', required: true },
    { name: 'network', required: true },
  ],
  openstack: [
    { name: 'availability_zone', required: true },
    { name: 'network', required: true },
    { name: 'image', required: true },
    { name: 'security_group', required: false },
  ],
};

export interface ZoneQuery {
  projectId?: string;
  regionId?: string;
  q?: string;
  limit: number;
  offset: number;
}

export const zoneListKey = (query: ZoneQuery) => [...zonesKey, 'list', query] as const;

export function useZones(query: ZoneQuery, enabled = true) {
  return useQuery({
    queryKey: zoneListKey(query),
    queryFn: () =>
      call(
        api.GET('/api/v1/zones', {
          params: {
            query: { project_id: query.projectId, region_id: query.regionId, q: query.q || undefined, limit: query.limit, offset: query.offset },
          },
        }),
      ),
    enabled: enabled && !!query.projectId,
    placeholderData: keepPreviousData,
  });
}

export const useAllZones = (projectId: string | undefined) => useZones({ projectId, limit: 200, offset: 0 });

function useZoneMutation<V, R>(fn: (vars: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: zonesKey });
      void queryClient.invalidateQueries({ queryKey: plansKey });
      void queryClient.invalidateQueries({ queryKey: ipPoolsKey });
    },
  });
}

export const useCreateZone = () => useZoneMutation((body: ZoneCreate) => call(api.POST('/api/v1/zones', { body })));

export const useUpdateZone = () =>
  useZoneMutation(({ id, body }: { id: string; body: ZoneUpdate }) =>
    call(api.PATCH('/api/v1/zones/{zone_id}', { params: { path: { zone_id: id } }, body })),
  );

export const useDeleteZone = () =>
  useZoneMutation((id: string) => call(api.DELETE('/api/v1/zones/{zone_id}', { params: { path: { zone_id: id } } })));
