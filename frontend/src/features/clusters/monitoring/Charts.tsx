import { Typography } from 'antd';
import { useState, type MouseEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { linePath, nearestTime, niceMax, valueAt, type Point } from './monitoring';

/**
 * Plain SVG line charts (no chart library: the console's bundle has a budget). The SVG scales to its
 * container's width with its text; a hover reads the values at the nearest time above the chart,
 * which otherwise shows the latest ones.
 */

export interface Line {
  key: string;
  label: string;
  points: readonly Point[];
  color: string;
  dashed?: boolean;
}

const W = 640;
const H = 180;
const M = { left: 44, right: 10, top: 18, bottom: 22 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const AXIS = '#8c8c8c';

function useClock() {
  const { i18n } = useTranslation();
  const fmt = new Intl.DateTimeFormat(i18n.language, { hour: '2-digit', minute: '2-digit' });
  return (seconds: number) => fmt.format(new Date(seconds * 1000));
}

type ChartProps = {
  title: string;
  /** The unit after the values and atop the y axis (cores, GiB, pods). */
  unit: string;
  /** A value as shown, in the unit (bytes → GiB). */
  format: (v: number) => string;
  lines: Line[];
  start: number;
  end: number;
  step: number;
  testId: string;
};

/** One figure over the range: the y axis from 0 to a round top, three time labels, the lines, the hover readout. */
export function TimeChart({ title, unit, format, lines, start, end, step, testId }: ChartProps) {
  const { t } = useTranslation();
  const clock = useClock();
  const [hover, setHover] = useState<number | null>(null);
  const times = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
  const top = niceMax(Math.max(0, ...lines.flatMap((l) => l.points.map((p) => p[1]))));
  const at = hover ?? times[times.length - 1] ?? null;
  const x = (time: number) => M.left + ((time - start) / Math.max(1, end - start)) * PW;
  const y = (v: number) => M.top + PH - (Math.min(v, top) / top) * PH;

  const move = (e: MouseEvent<SVGSVGElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    if (!rect.width) return;
    const px = ((e.clientX - rect.left) / rect.width) * W;
    setHover(nearestTime(times, start, end, (px - M.left) / PW));
  };

  const readout =
    at === null
      ? t('monitoring.noData')
      : `${hover === null ? t('monitoring.now') : t('monitoring.at', { time: clock(at) })} · ${lines
          .map((l) => {
            const v = valueAt(l.points, at);
            return `${l.label} ${v === null ? '—' : t('monitoring.valueUnit', { value: format(v), unit })}`;
          })
          .join(' · ')}`;

  return (
    <figure style={{ margin: 0 }} data-testid={testId}>
      <figcaption>
        <Typography.Text strong>{title}</Typography.Text>
        <Typography.Text type="secondary" style={{ marginLeft: 8, fontSize: 12 }} data-testid={`${testId}-readout`}>
          {readout}
        </Typography.Text>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={title} onMouseMove={move} onMouseLeave={() => setHover(null)} style={{ display: 'block', maxWidth: W }}>
        <text x={4} y={12} fontSize={11} fill={AXIS} data-testid={`${testId}-unit`}>
          {unit}
        </text>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={M.left} x2={W - M.right} y1={y(top * f)} y2={y(top * f)} stroke="#f0f0f0" />
            <text x={M.left - 6} y={y(top * f) + 4} fontSize={11} fill={AXIS} textAnchor="end">
              {format(top * f)}
            </text>
          </g>
        ))}
        {[start, (start + end) / 2, end].map((time, i) => (
          <text key={time} x={x(time)} y={H - 6} fontSize={11} fill={AXIS} textAnchor={i === 0 ? 'start' : i === 2 ? 'end' : 'middle'}>
            {clock(time)}
          </text>
        ))}
        <line x1={M.left} x2={M.left} y1={M.top} y2={M.top + PH} stroke={AXIS} />
        <line x1={M.left} x2={W - M.right} y1={M.top + PH} y2={M.top + PH} stroke={AXIS} />
        <g transform={`translate(${M.left},${M.top})`}>
          {lines.map((l) => (
            <path
              key={l.key}
              d={linePath(l.points, { start, end, top, width: PW, height: PH, step })}
              fill="none"
              stroke={l.color}
              strokeWidth={l.dashed ? 1.5 : 2}
              strokeDasharray={l.dashed ? '4 3' : undefined}
              data-testid={`${testId}-${l.key}`}
            >
              <title>{l.label}</title>
            </path>
          ))}
        </g>
        {hover !== null && (
          <g>
            <line x1={x(hover)} x2={x(hover)} y1={M.top} y2={M.top + PH} stroke={AXIS} strokeDasharray="2 2" />
            {lines.map((l) => {
              const v = valueAt(l.points, hover);
              return v === null ? null : <circle key={l.key} cx={x(hover)} cy={y(v)} r={3} fill={l.color} />;
            })}
          </g>
        )}
      </svg>
    </figure>
  );
}

/** A node's figure in a table cell: the line only, scaled to its capacity (or a round top), its latest value in a tooltip. */
export function Sparkline(props: { points: readonly Point[]; start: number; end: number; step: number; top?: number | null; color: string; title: string; testId: string }) {
  const { points, start, end, step, top, color, title, testId } = props;
  const w = 120;
  const h = 28;
  const scale = top && top > 0 ? top : niceMax(Math.max(0, ...points.map((p) => p[1])));
  return (
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} role="img" aria-label={title} style={{ verticalAlign: 'middle' }} data-testid={testId}>
      <title>{title}</title>
      <line x1={0} x2={w} y1={h - 0.5} y2={h - 0.5} stroke="#f0f0f0" />
      <path d={linePath(points, { start, end, top: scale, width: w, height: h - 2, step })} fill="none" stroke={color} strokeWidth={1.5} />
    </svg>
  );
}
