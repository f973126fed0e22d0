import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { plansKey, zonesKey } from '../cloud/live';
import type { Provider } from '../regions/api';

export type Plan = Schemas['PlanOut'];
export type PlanCreate = Schemas['PlanCreate'];
export type PlanUpdate = Schemas['PlanUpdate'];
export type PlanSize = Schemas['PlanSize'];
export type Topology = Plan['topology'];

/** What a VM size is made of, per provider. */
export const SIZE_FIELDS: Record<Provider, (keyof PlanSize)[]> = {
  vsphere: ['cpus', 'memory_gib', 'disk_gib'],
  openstack: ['flavor'],
};

export interface PlanQuery {
  projectId?: string;
  regionId?: string;
  q?: string;
  limit: number;
  offset: number;
}

export const planListKey = (query: PlanQuery) => [...plansKey, 'list', query] as const;

export function usePlans(query: PlanQuery, enabled = true) {
  return useQuery({
    queryKey: planListKey(query),
    queryFn: () =>
      call(
        api.GET('/api/v1/plans', {
          params: {
            query: { project_id: query.projectId, region_id: query.regionId, q: query.q || undefined, limit: query.limit, offset: query.offset },
          },
        }),
      ),
    enabled: enabled && !!query.projectId,
    placeholderData: keepPreviousData,
  });
}

function usePlanMutation<V, R>(fn: (vars: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: plansKey });
      // A zone in a plan can no longer be deleted: the zones page shows it.
      void queryClient.invalidateQueries({ queryKey: zonesKey });
    },
  });
}

export const useCreatePlan = () => usePlanMutation((body: PlanCreate) => call(api.POST('/api/v1/plans', { body })));

export const useUpdatePlan = () =>
  usePlanMutation(({ id, body }: { id: string; body: PlanUpdate }) =>
    call(api.PATCH('/api/v1/plans/{plan_id}', { params: { path: { plan_id: id } }, body })),
  );

export const useDeletePlan = () =>
  usePlanMutation((id: string) => call(api.DELETE('/api/v1/plans/{plan_id}', { params: { path: { plan_id: id } } })));
