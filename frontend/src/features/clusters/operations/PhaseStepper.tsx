import { Steps, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Phase } from '../api';
import { formatDuration, phaseLabel } from '../format';
import type { PhaseLive } from './eventLog';

type StepStatus = 'wait' | 'process' | 'finish' | 'error';
const STEP: Record<Phase['status'], StepStatus> = {
  pending: 'wait',
  running: 'process',
  succeeded: 'finish',
  failed: 'error',
  cancelled: 'error',
};

/** Each phase with its status and time: the operation's record, updated at once by live phase events. */
export function PhaseStepper({ phases, live, ended }: { phases: Phase[]; live: Map<string, PhaseLive>; ended: boolean }) {
  const { t } = useTranslation();
  const [now, setNow] = useState(() => Date.now());
  const merged = phases.map((p) => {
    const l = live.get(p.name);
    // Live events are newer than the record while the phase runs; a later record (retry) wins once fetched.
    const fresher = l && (!p.started_at || (l.startedAt && l.startedAt >= p.started_at));
    return fresher && l
      ? { ...p, status: l.status, started_at: l.startedAt ?? p.started_at, ended_at: l.status === 'running' ? null : (l.endedAt ?? p.ended_at) }
      : p;
  });
  const running = !ended && merged.some((p) => p.status === 'running');
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);

  const currentIndex = Math.max(0, merged.findIndex((p) => p.status === 'running' || p.status === 'failed' || p.status === 'cancelled'));
  return (
    <Steps
      size="small"
      orientation="vertical"
      current={currentIndex}
      data-testid="phase-stepper"
      items={merged.map((p) => {
        const start = p.started_at ? Date.parse(p.started_at) : null;
        const end = p.ended_at ? Date.parse(p.ended_at) : p.status === 'running' ? now : null;
        return {
          title: (
            <span data-testid={`phase-${p.name}`} data-status={p.status}>
              {phaseLabel(t, p.name)}
            </span>
          ),
          status: STEP[p.status],
          content: (
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t(`operations.phaseStatus.${p.status}`)}
              {start !== null && end !== null ? ` · ${formatDuration(end - start)}` : ''}
              {p.runs > 1 ? ` · ${t('operations.runs', { count: p.runs })}` : ''}
            </Typography.Text>
          ),
        };
      })}
    />
  );
}
