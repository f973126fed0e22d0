import type { Envelope, EventType, Events } from '../live/events';

/** An event as the live stream delivers it, with only the payload fields a test exercises. */
export function liveEvent<T extends EventType>(type: T, data: Partial<Events[T]>, envelope: Partial<Envelope> = {}): Envelope<T> {
  return { id: 'e', source: 'ko/test', time: '', ...envelope, type, data } as unknown as Envelope<T>;
}
