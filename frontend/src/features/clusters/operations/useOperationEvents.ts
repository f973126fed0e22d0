import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { ApiError, api, call } from '../../../api';
import type { OperationEvent } from '../api';
import { clustersKey, operationsKey } from '../live';
import { EventLog } from './eventLog';

export type StreamState = 'connecting' | 'open' | 'retrying' | 'ended';

const EVENTS = 'ko.operation-events';
const END = 'ko.operation-end';
const RETRY_MS = 3000;
/**
 * Renders at most this often while events pour in (the log keeps every event regardless); an event
 * after a quiet spell renders at once, so a lone log line is not held back.
 */
const RENDER_MS = 100;

export interface OperationEvents {
  log: EventLog;
  /** Changes whenever events were added: a render key. */
  version: number;
  state: StreamState;
}

/**
 * Follows one operation's events: the live SSE relay first (it back-fills from the store itself),
 * and when the stream is lost, the stored events after the last counter held, then the stream again
 * from there. Events are kept by counter, so a resend or an overlap never shows twice and a late
 * gap fill lands in its place. `generation` restarts the stream (after a retry the operation runs on).
 */
export function useOperationEvents(operationId: string | undefined, generation = 0): OperationEvents {
  const queryClient = useQueryClient();
  // One log per operation, kept while the page lives (switching back shows what was already read).
  const [logs] = useState(() => new Map<string, EventLog>());
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<StreamState>('connecting');

  let log = logs.get(operationId ?? '');
  if (!log) {
    log = new EventLog();
    logs.set(operationId ?? '', log);
  }
  const current = log;

  useEffect(() => {
    if (!operationId) return;
    let source: EventSource | null = null;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let render: ReturnType<typeof setTimeout> | undefined;
    let lastRender = 0;
    let closed = false;

    const refresh = () => {
      void queryClient.invalidateQueries({ queryKey: operationsKey });
      void queryClient.invalidateQueries({ queryKey: clustersKey });
    };
    const take = (batch: OperationEvent[]) => {
      if (!current.add(batch)) return;
      // A phase starting or ending changes the operation's record: fetch it (react-query merges bursts).
      if (batch.some((e) => e.kind === 'phase_start' || e.kind === 'phase_end' || e.kind === 'end')) {
        void queryClient.invalidateQueries({ queryKey: [...operationsKey, 'detail', operationId] });
      }
      render ??= setTimeout(
        () => {
          render = undefined;
          lastRender = Date.now();
          setVersion((v) => v + 1);
        },
        Math.max(0, lastRender + RENDER_MS - Date.now()),
      );
    };
    const end = () => {
      closed = true;
      source?.close();
      source = null;
      setState('ended');
      setVersion((v) => v + 1);
      refresh();
    };

    /** After a drop: the stored events after the last counter held, page by page; true when the operation is over. */
    const backfill = async (): Promise<boolean> => {
      for (;;) {
        const page = await call(
          api.GET('/api/v1/operations/{operation_id}/events', {
            params: { path: { operation_id: operationId }, query: { after: current.lastCounter, limit: 1000 } },
          }),
        );
        take(page.items);
        if (!page.items.length || current.lastCounter >= page.last_counter) return page.done;
      }
    };

    const open = () => {
      if (closed) return;
      const after = current.lastCounter;
      const query = after ? `?after=${after}` : '';
      source = new EventSource(`/api/v1/live/operations/${encodeURIComponent(operationId)}${query}`);
      setState((s) => (s === 'retrying' ? s : 'connecting'));
      source.onopen = () => setState('open');
      source.addEventListener(EVENTS, (message: MessageEvent<string>) => {
        try {
          const batch = JSON.parse(message.data) as OperationEvent[];
          if (Array.isArray(batch)) take(batch);
        } catch {
          // a malformed message must not stop the stream
        }
      });
      source.addEventListener(END, end);
      source.onerror = () => {
        if (closed) return;
        setState('retrying');
        // The browser retries by itself (with Last-Event-ID) unless the server refused the stream.
        if (source && source.readyState !== EventSource.CLOSED) return;
        source?.close();
        source = null;
        retry = setTimeout(() => {
          backfill().then(
            (done) => (done ? end() : open()),
            // Refused (gone, or no longer allowed): retrying will not help; anything else might.
            (error: unknown) => (error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429 ? end() : open()),
          );
        }, RETRY_MS);
      };
    };

    if (typeof EventSource === 'undefined') {
      void backfill().then((done) => done && end(), () => setState('retrying'));
    } else {
      open();
    }
    return () => {
      closed = true;
      clearTimeout(retry);
      clearTimeout(render);
      source?.close();
    };
  }, [operationId, generation, current, queryClient]);

  return { log: current, version, state };
}
