import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { HoverTooltip } from '../../../app/HoverTooltip';
import { useProjectHealth, type ClusterHealth, type HealthState } from './api';

const HEALTH_COLOR: Record<HealthState, string> = { unknown: 'default', healthy: 'green', degraded: 'orange', unreachable: 'red' };

/**
 * A cluster's health, coloured; its reasons (or what unknown means) in a tooltip. No verdict yet
 * (the observability service has not heard of the cluster) reads as unknown.
 */
export function HealthTag({ health }: { health: Pick<ClusterHealth, 'state' | 'reasons'> | null | undefined }) {
  const { t } = useTranslation();
  const state = health?.state ?? 'unknown';
  const tag = (
    <Tag color={HEALTH_COLOR[state]} data-testid="health-state" data-state={state}>
      {t(`health.state.${state}`)}
    </Tag>
  );
  const tip = health?.reasons.length ? health.reasons.join(' ') : state === 'unknown' ? t('health.unknownHint') : null;
  return tip ? <HoverTooltip title={tip}>{tag}</HoverTooltip> : tag;
}

/**
 * A row's tag in the clusters list: every row reads the project's one health query (one call for the
 * page), and subscribes to it itself, so a live change re-renders the tag even where the table keeps
 * its rows as they were.
 */
export function ProjectHealthTag({ projectId, clusterId }: { projectId: string | undefined; clusterId: string }) {
  const health = useProjectHealth(projectId);
  return <HealthTag health={health.data?.get(clusterId)} />;
}
