import { Alert, Descriptions, Empty, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useFormatTime } from '../../../app/format';
import { QueryError } from '../../../app/QueryError';
import { notReadyFor } from '../format';
import { useClusterHealth } from './api';
import { HealthTag } from './HealthTag';

/**
 * The health tab: the state and its reasons, the API server's latency, nodes ready of all, when it was
 * last checked and since when it is unreachable, the certificates' soonest expiry and the last good backup. Live health events replace it as they come.
 */
export function Health({ clusterId }: { clusterId: string }) {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const health = useClusterHealth(clusterId);
  if (health.isError) return <QueryError error={health.error} />;
  const h = health.data;
  if (health.isSuccess && !h) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('health.notKnown')} data-testid="health-unknown" />;
  const problem = h && (h.state === 'degraded' || h.state === 'unreachable');
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="cluster-health">
      {h && h.reasons.length > 0 && (
        <Alert
          type={h.state === 'unreachable' ? 'error' : problem ? 'warning' : 'info'}
          showIcon
          title={t('health.reasons')}
          description={
            <ul style={{ margin: 0, paddingInlineStart: 18 }} data-testid="health-reasons">
              {h.reasons.map((r) => (
                <li key={r}>{r}</li>
              ))}
            </ul>
          }
        />
      )}
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t('health.col')}>
          <Space>
            <HealthTag health={h} />
            {h && !h.reasons.length && h.state === 'healthy' && <Typography.Text type="secondary">{t('health.noReasons')}</Typography.Text>}
          </Space>
        </Descriptions.Item>
        <Descriptions.Item label={t('health.checkedAt')}>
          <span data-testid="health-checked-at">{formatTime(h?.checked_at) || t('health.never')}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('health.latency')}>
          <span data-testid="health-latency">{h?.latency_ms != null ? t('health.latencyMs', { ms: Math.round(h.latency_ms) }) : '—'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('health.nodes')}>
          <span data-testid="health-nodes">{h?.nodes_total != null ? t('health.nodesReady', { ready: h.nodes_ready ?? 0, total: h.nodes_total }) : '—'}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('health.certificatesExpire')}>
          <span data-testid="health-certificates">{formatTime(h?.certificates_expire_at) || t('health.certificatesNotChecked')}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t('health.lastBackup')}>
          <span data-testid="health-last-backup">{formatTime(h?.last_backup_at) || t('health.noBackup')}</span>
        </Descriptions.Item>
        {h?.unreachable_since && (
          <Descriptions.Item label={t('health.unreachableSince')} span="filled">
            <Typography.Text type="danger" data-testid="health-unreachable-since">
              {`${formatTime(h.unreachable_since)} (${notReadyFor(h.unreachable_since)})`}
            </Typography.Text>
          </Descriptions.Item>
        )}
      </Descriptions>
      <Typography.Text type="secondary">{t('health.refreshes')}</Typography.Text>
    </Space>
  );
}
