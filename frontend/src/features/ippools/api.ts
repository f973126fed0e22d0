import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';
import { ipPoolsKey, zonesKey } from '../cloud/live';

export type IpPool = Schemas['IpPoolOut'];
export type IpPoolCreate = Schemas['IpPoolCreate'];
export type IpPoolUpdate = Schemas['IpPoolUpdate'];
export type IpAddress = Schemas['IpAddressOut'];
export type AddressStatus = IpAddress['status'];
export type Allocation = Schemas['Allocation'];
export const ADDRESS_STATUSES: AddressStatus[] = ['free', 'allocated', 'in_use'];

export interface IpPoolQuery {
  projectId?: string;
  q?: string;
  limit: number;
  offset: number;
}

export const ipPoolListKey = (query: IpPoolQuery) => [...ipPoolsKey, 'list', query] as const;

export function useIpPools(query: IpPoolQuery, enabled = true) {
  return useQuery({
    queryKey: ipPoolListKey(query),
    queryFn: () =>
      call(
        api.GET('/api/v1/ip-pools', {
          params: { query: { project_id: query.projectId, q: query.q || undefined, limit: query.limit, offset: query.offset } },
        }),
      ),
    enabled: enabled && !!query.projectId,
    placeholderData: keepPreviousData,
  });
}

export const useAllIpPools = (projectId: string | undefined) => useIpPools({ projectId, limit: 200, offset: 0 });

export interface AddressQuery {
  poolId: string;
  status?: AddressStatus;
  owner?: string;
  limit: number;
  offset: number;
}

export function useAddresses(query: AddressQuery) {
  return useQuery({
    queryKey: [...ipPoolsKey, 'addresses', query],
    queryFn: () =>
      call(
        api.GET('/api/v1/ip-pools/{pool_id}/addresses', {
          params: {
            path: { pool_id: query.poolId },
            query: { status: query.status, owner: query.owner || undefined, limit: query.limit, offset: query.offset },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

// Every change refreshes the pools (their counts) and the addresses; zones show their pool's name.
function usePoolMutation<V, R>(fn: (vars: V) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ipPoolsKey });
      void queryClient.invalidateQueries({ queryKey: zonesKey });
    },
  });
}

export const useCreateIpPool = () => usePoolMutation((body: IpPoolCreate) => call(api.POST('/api/v1/ip-pools', { body })));

export const useUpdateIpPool = () =>
  usePoolMutation(({ id, body }: { id: string; body: IpPoolUpdate }) =>
    call(api.PATCH('/api/v1/ip-pools/{pool_id}', { params: { path: { pool_id: id } }, body })),
  );

export const useDeleteIpPool = () =>
  usePoolMutation((id: string) => call(api.DELETE('/api/v1/ip-pools/{pool_id}', { params: { path: { pool_id: id } } })));

export const useAllocate = () =>
  usePoolMutation(({ id, count, owner }: { id: string; count: number; owner: string }) =>
    call(api.POST('/api/v1/ip-pools/{pool_id}/allocations', { params: { path: { pool_id: id } }, body: { count, owner } })),
  );

export const useRelease = () =>
  usePoolMutation(({ id, body }: { id: string; body: Schemas['ReleaseRequest'] }) =>
    call(api.POST('/api/v1/ip-pools/{pool_id}/releases', { params: { path: { pool_id: id } }, body })),
  );
