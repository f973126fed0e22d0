import { DeleteOutlined, EditOutlined, LineChartOutlined } from '@ant-design/icons';
import { Button, Card, Descriptions, Space, Tag, Tooltip, Typography } from 'antd';
import { useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../../../app/auth';
import { QueryError } from '../../../app/QueryError';
import { OperationProgress } from '../StatusTag';
import { workersBlocked } from '../workers/workers';
import { grafanaUrl, useMonitoring, type MonitoringOut } from './api';
import { DEFAULT_SIZE_GI, monitoringOperation, type Settings } from './monitoring';
import { MonitoringCharts } from './MonitoringCharts';
import { ChangeDialog, SettingsForm, UninstallDialog, type MonitoringCluster } from './SettingsForm';

/**
 * The cluster's monitoring tab. Not installed: what the stack brings and, for project managers and
 * admins, the install form. Installed: its settings, Change… and Uninstall (writers), the Grafana
 * link and the charts. A monitoring operation under way shows its live progress (the cluster's
 * operation, patched by the live events; the add-on is read again when it ends).
 */
export function Monitoring({ cluster }: { cluster: MonitoringCluster }) {
  const { t } = useTranslation();
  const me = useMe().data;
  const addon = useMonitoring(cluster.id);
  const blocked = workersBlocked(me, cluster);
  const reason = blocked === 'busy' || blocked === 'notRunning' ? t(`monitoring.${blocked}`) : null;
  const op = monitoringOperation(cluster.operation);

  if (addon.isError) return <QueryError error={addon.error} />;
  const progress = op && op.status !== 'succeeded' && (
    <Link to={`/clusters/${cluster.id}/operations/${op.id}`} style={{ display: 'block', maxWidth: 480 }} data-testid="monitoring-operation">
      <OperationProgress operation={op} />
    </Link>
  );
  // `current`: the settings of the last install when Prometheus is gone anyway (the summary's 409): the
  // service compares a new install with them, so a data-deleting one asks for the name here too.
  const installPanel = (current?: Settings | null) => (
    <Card size="small" data-testid="monitoring-install">
      <Typography.Paragraph strong>{t('monitoring.notInstalled')}</Typography.Paragraph>
      <Typography.Paragraph style={{ marginBottom: 4 }}>{t('monitoring.brings')}</Typography.Paragraph>
      <ul>
        {(['prometheus', 'loki', 'grafana'] as const).map((part) => (
          <li key={part}>{t(`monitoring.parts.${part}`)}</li>
        ))}
      </ul>
      {blocked === 'readOnly' ? (
        <Typography.Text type="secondary" data-testid="monitoring-reader-hint">
          {t('monitoring.readerHint')}
        </Typography.Text>
      ) : (
        <SettingsForm cluster={cluster} current={current} blockedReason={reason} />
      )}
    </Card>
  );

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="cluster-monitoring">
      {progress}
      {addon.isLoading || !addon.data ? (
        <Card size="small" loading />
      ) : addon.data.installed ? (
        <Installed cluster={cluster} addon={addon.data} writer={blocked !== 'readOnly'} reason={reason} installPanel={installPanel(addon.data.settings)} />
      ) : (
        installPanel()
      )}
    </Space>
  );
}

function Installed(props: { cluster: MonitoringCluster; addon: MonitoringOut; writer: boolean; reason: string | null; installPanel: ReactElement }) {
  const { cluster, addon, writer, reason, installPanel } = props;
  const { t } = useTranslation();
  const [dialog, setDialog] = useState<'change' | 'uninstall' | null>(null);
  const s = addon.settings ?? {};
  const on = (v: boolean | undefined) => (v ?? true ? t('monitoring.on') : t('monitoring.off'));
  const gated = (button: ReactElement) => (reason ? <Tooltip title={reason}>{button}</Tooltip> : button);

  return (
    <>
      <Card
        size="small"
        title={t('monitoring.settings')}
        data-testid="monitoring-settings"
        extra={
          <Space wrap>
            {(s.grafana ?? true) && (
              <Button icon={<LineChartOutlined />} href={grafanaUrl(cluster.id)} target="_blank" rel="noopener noreferrer" data-testid="monitoring-grafana-link">
                {t('monitoring.grafanaLink')}
              </Button>
            )}
            {writer &&
              gated(
                <Button icon={<EditOutlined />} disabled={!!reason} onClick={() => setDialog('change')} data-testid="monitoring-change">
                  {t('monitoring.change')}
                </Button>,
              )}
            {writer &&
              gated(
                <Button danger icon={<DeleteOutlined />} disabled={!!reason} onClick={() => setDialog('uninstall')} data-testid="monitoring-uninstall">
                  {t('monitoring.uninstall')}
                </Button>,
              )}
          </Space>
        }
      >
        <Descriptions size="small" column={{ xs: 1, md: 3 }}>
          <Descriptions.Item label={t('monitoring.version')}>{addon.version ?? '—'}</Descriptions.Item>
          <Descriptions.Item label={t('monitoring.form.retention')}>{`${s.retention_days ?? 15} ${t('monitoring.form.retentionUnit')}`}</Descriptions.Item>
          <Descriptions.Item label={t('monitoring.form.storageClass')}>
            {s.storage_class ? t('monitoring.storageOf', { class: s.storage_class, size: s.storage_size_gi ?? DEFAULT_SIZE_GI }) : t('monitoring.emptyDir')}
          </Descriptions.Item>
          <Descriptions.Item label={t('monitoring.form.loki')}>{on(s.loki)}</Descriptions.Item>
          <Descriptions.Item label={t('monitoring.form.grafana')}>{on(s.grafana)}</Descriptions.Item>
          <Descriptions.Item label={t('monitoring.charts')}>
            <Space wrap size={4}>
              {Object.entries(addon.charts).map(([name, version]) => (
                <Tag key={name}>{`${name} ${version}`}</Tag>
              ))}
            </Space>
          </Descriptions.Item>
        </Descriptions>
      </Card>
      <MonitoringCharts clusterId={cluster.id} notInstalledPanel={installPanel} />
      {dialog === 'change' && <ChangeDialog cluster={cluster} current={s} onClose={() => setDialog(null)} />}
      {dialog === 'uninstall' && <UninstallDialog cluster={cluster} onClose={() => setDialog(null)} />}
    </>
  );
}
