// Domain events of a project, as the gateway relays them (CloudEvents-style envelope).
import type { QueryClient } from '@tanstack/react-query';

export interface Envelope<T = Record<string, unknown>> {
  id: string;
  type: string;
  source: string;
  time: string;
  subject?: string | null;
  projectid?: string | null;
  data: T;
}

export type LiveHandler = (queryClient: QueryClient, event: Envelope) => void;
