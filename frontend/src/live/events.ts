// Domain events of a project, as the gateway relays them. Their types and payloads are generated from the
// event contract (src/api/events.gen.ts): a handler for a type the contract lacks, or one that reads a field
// its payload lacks, does not compile.
import type { QueryClient } from '@tanstack/react-query';
import type { EventEnvelope, EventType, Events } from '../api/events.gen';

export type { EventType, Events };
export type Envelope<T extends EventType = EventType> = EventEnvelope<T>;
export type LiveHandler<T extends EventType = EventType> = (queryClient: QueryClient, event: Envelope<T>) => void;
/** What each event type updates. */
export type LiveHandlers = { [T in EventType]?: LiveHandler<T> };

/** `handler` for each of `types`. */
export function on<T extends EventType>(types: readonly T[], handler: LiveHandler<T>): Record<T, LiveHandler<T>> {
  return Object.fromEntries(types.map((type) => [type, handler])) as Record<T, LiveHandler<T>>;
}
