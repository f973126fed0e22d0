import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useAlerts } from './api';

/** How many alerts of a cluster fire now, linking to them on the Alerts page (live: live.ts refetches it). */
export function AlertsBadge({ clusterId }: { clusterId: string }) {
  const { t } = useTranslation();
  const firing = useAlerts({ clusterId, status: 'firing', limit: 1, offset: 0 });
  const total = firing.data?.total;
  if (total === undefined) return null;
  return (
    <Link to={`/alerts?cluster_id=${encodeURIComponent(clusterId)}`} data-testid="cluster-alerts">
      <Tag color={total ? 'red' : 'green'}>{total ? t('alerts.firingCount', { count: total }) : t('alerts.noneFiring')}</Tag>
    </Link>
  );
}
