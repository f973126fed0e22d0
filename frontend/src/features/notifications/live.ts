// Live channel events → the channels caches. Events carry no secret and not every field (no masked
// target, no rate limit), so the lists refetch; a failed delivery refetches that channel's history.
import { on } from '../../live/events';

export const channelsKey = ['notification-channels'] as const;
export const deliveriesKey = (channelId: string) => [...channelsKey, channelId, 'deliveries'] as const;

export const channelHandlers = {
  ...on(
    [
      'kubeoperator.observability.channel.created.v1',
      'kubeoperator.observability.channel.updated.v1',
      'kubeoperator.observability.channel.deleted.v1',
    ],
    (queryClient) => void queryClient.invalidateQueries({ queryKey: [...channelsKey, 'list'] }),
  ),
  ...on(['kubeoperator.observability.delivery.failed.v1'], (queryClient, event) => {
    if (event.data.channel_id) void queryClient.invalidateQueries({ queryKey: deliveriesKey(event.data.channel_id) });
  }),
};
