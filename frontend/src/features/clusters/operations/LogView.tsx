import { Empty } from 'antd';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { OperationEvent } from '../api';
import { formatEvent } from './eventLog';

const ROW = 20;
const HEIGHT = 420;
const OVERSCAN = 20;

const lineCache = new WeakMap<OperationEvent, string>();
function line(e: OperationEvent): string {
  let text = lineCache.get(e);
  if (text === undefined) lineCache.set(e, (text = formatEvent(e)));
  return text;
}

function colour(e: OperationEvent): string | undefined {
  if (e.status === 'failed' || e.status === 'unreachable' || e.kind === 'error') return '#ff7875';
  if (e.kind === 'warning' || e.status === 'warning') return '#ffd666';
  if (e.changed) return '#ffc069';
  if (e.kind === 'phase_start' || e.kind === 'phase_end' || e.kind === 'end') return '#69b1ff';
  return undefined;
}

interface Props {
  events: readonly OperationEvent[];
  /** Changes when events were added (the array is the same, grown). */
  version: number;
  search: string;
  follow: boolean;
  onFollowChange: (follow: boolean) => void;
}

/**
 * The log, one line per event, virtualised: only the rows in view (and a few around) are in the page,
 * so tens of thousands of events scroll as smoothly as ten.
 */
export function LogView({ events, version, search, follow, onFollowChange }: Props) {
  const { t } = useTranslation();
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const needle = search.trim().toLowerCase();
  const shown = useMemo(
    () => (needle ? events.filter((e) => line(e).toLowerCase().includes(needle) || e.excerpt.toLowerCase().includes(needle)) : events.slice()),
    // `version` stands for the events' content: the array itself is mutated in place.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [events, version, needle],
  );
  const total = shown.length * ROW;

  useLayoutEffect(() => {
    const el = box.current;
    if (follow && el) {
      el.scrollTop = el.scrollHeight;
      setScrollTop(el.scrollTop);
    }
  }, [follow, total]);

  // Scrolling up to read stops following; back at the bottom follows again.
  const onScroll = () => {
    const el = box.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - ROW;
    if (follow && !atBottom) onFollowChange(false);
  };
  useEffect(() => {
    // jsdom and hidden tabs have no layout: keep the window at the end when following.
    if (follow && box.current && !box.current.clientHeight) setScrollTop(Math.max(0, total - HEIGHT));
  }, [follow, total]);

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(shown.length, Math.ceil((scrollTop + HEIGHT) / ROW) + OVERSCAN);
  const rows = shown.slice(first, last);

  return (
    <div
      ref={box}
      onScroll={onScroll}
      data-testid="event-log"
      data-count={shown.length}
      style={{
        height: HEIGHT,
        overflow: 'auto',
        background: '#141414',
        color: '#d9d9d9',
        fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace',
        fontSize: 12,
        borderRadius: 6,
      }}
    >
      {!shown.length ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={needle ? t('operations.log.noMatch') : t('operations.log.empty')} style={{ paddingTop: 120 }} />
      ) : (
        <div style={{ height: total, position: 'relative' }}>
          {rows.map((e, i) => (
            <div
              key={e.counter}
              data-counter={e.counter}
              title={e.excerpt || undefined}
              style={{
                position: 'absolute',
                top: (first + i) * ROW,
                left: 0,
                right: 0,
                height: ROW,
                lineHeight: `${ROW}px`,
                padding: '0 8px',
                whiteSpace: 'pre',
                overflow: 'hidden',
                textOverflow: 'ellipsis',
                color: colour(e),
              }}
            >
              {line(e)}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
