import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { meKey } from '../app/auth';
import { projectsKey } from '../app/project';
import type { Envelope, LiveHandler } from './events';
import { liveStatusStore } from './status';
import { liveHandlers, resyncKeys } from './handlers';
const RETRY_MS = 5000;
const ACCESS_REVOKED = 'ko.access-revoked';

/**
 * Follows a project's domain events over SSE and applies them to the query cache.
 * The browser reconnects by itself with Last-Event-ID; when the server refuses the stream
 * (e.g. 503 while NATS restarts) we reopen it after a pause with ?after= the last id seen.
 * When the gateway says access is gone (`ko.access-revoked`: removed from the project, session
 * ended) the stream stays closed and who-am-I is refetched: the console then follows the new
 * rights (another project, or the login page).
 */
export function useProjectEvents(projectId: string | undefined): void {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (!projectId || typeof EventSource === 'undefined') return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let lastId: string | null = null;
    let closed = false;

    const open = () => {
      const after = lastId ? `?after=${encodeURIComponent(lastId)}` : '';
      source = new EventSource(`/api/v1/live/projects/${encodeURIComponent(projectId)}${after}`);
      liveStatusStore.set('connecting');
      source.onopen = () => {
        liveStatusStore.set('open');
        if (!lastId) resyncKeys.forEach((queryKey) => void queryClient.invalidateQueries({ queryKey }));
      };
      source.onerror = () => {
        if (!source || source.readyState !== EventSource.CLOSED) {
          liveStatusStore.set('retrying');
          return;
        }
        liveStatusStore.set('retrying');
        source = null;
        if (!closed) retry = setTimeout(open, RETRY_MS);
      };
      source.addEventListener(ACCESS_REVOKED, () => {
        closed = true;
        source?.close();
        source = null;
        liveStatusStore.set('revoked');
        void queryClient.invalidateQueries({ queryKey: meKey });
        void queryClient.invalidateQueries({ queryKey: projectsKey });
      });
      // Each handler is called with events of its own key's type only: the SSE event name is the type.
      for (const [type, handle] of Object.entries(liveHandlers) as [string, LiveHandler][]) {
        source.addEventListener(type, (message: MessageEvent<string>) => {
          if (message.lastEventId) lastId = message.lastEventId;
          try {
            handle(queryClient, JSON.parse(message.data) as Envelope);
          } catch {
            // a malformed event must not stop the stream
          }
        });
      }
    };
    open();
    return () => {
      closed = true;
      clearTimeout(retry);
      source?.close();
      liveStatusStore.set('idle');
    };
  }, [projectId, queryClient]);
}
