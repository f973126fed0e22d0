import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, call, type Schemas } from '../../api';
import { channelsKey, deliveriesKey } from './live';

export type Channel = Schemas['ChannelOut'];
export type ChannelCreate = Schemas['ChannelCreate'];
export type ChannelUpdate = Schemas['ChannelUpdate'];
export type ChannelKind = Channel['kind'];
export type Delivery = Schemas['DeliveryOut'];
export type TestSend = Schemas['TestSendOut'];

export const CHANNEL_KINDS: readonly ChannelKind[] = ['dingtalk', 'wecom', 'email', 'webhook'];

export function useChannels(query: { projectId?: string; limit: number; offset: number }, enabled = true) {
  return useQuery({
    queryKey: [...channelsKey, 'list', query],
    queryFn: () =>
      call(
        api.GET('/api/v1/notification-channels', {
          params: { query: { project_id: query.projectId, limit: query.limit, offset: query.offset } },
        }),
      ),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useDeliveries(channelId: string, query: { limit: number; offset: number }) {
  return useQuery({
    queryKey: [...deliveriesKey(channelId), query],
    queryFn: () =>
      call(api.GET('/api/v1/notification-channels/{channel_id}/deliveries', { params: { path: { channel_id: channelId }, query } })),
    placeholderData: keepPreviousData,
  });
}

function useInvalidating<A, R>(fn: (arg: A) => Promise<R>) {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: fn, onSuccess: () => queryClient.invalidateQueries({ queryKey: channelsKey }) });
}

const path = (id: string) => ({ params: { path: { channel_id: id } } });

export const useCreateChannel = () =>
  useInvalidating((body: ChannelCreate) => call(api.POST('/api/v1/notification-channels', { body })));

export const useUpdateChannel = () =>
  useInvalidating(({ id, body }: { id: string; body: ChannelUpdate }) =>
    call(api.PATCH('/api/v1/notification-channels/{channel_id}', { ...path(id), body })),
  );

export const useDeleteChannel = () =>
  useInvalidating((id: string) => call(api.DELETE('/api/v1/notification-channels/{channel_id}', path(id))));

/** The channel is at its rate limit: `retryAfter` seconds (from Retry-After) until a test may be sent. */
export class RateLimited extends Error {
  constructor(
    readonly retryAfter: number | null,
    readonly error: ApiError,
  ) {
    super(error.message);
    this.name = 'RateLimited';
  }
}

/** Sends a test message now; the answer is in the delivery history too, so that refetches. */
export function useTestChannel() {
  return useInvalidating(async (id: string) => {
    const seen: { retryAfter: string | null } = { retryAfter: null };
    try {
      return await call(
        api.POST('/api/v1/notification-channels/{channel_id}/test', path(id)).then((result) => {
          seen.retryAfter = result.response.headers.get('Retry-After');
          return result;
        }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 429) {
        const seconds = seen.retryAfter === null ? NaN : Number(seen.retryAfter);
        throw new RateLimited(Number.isFinite(seconds) ? seconds : null, error);
      }
      throw error;
    }
  });
}
