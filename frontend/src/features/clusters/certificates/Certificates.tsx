import { SafetyCertificateOutlined, SyncOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Alert, App, Button, Empty, Modal, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useEffect, useRef, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { useFormatTime } from '../../../app/format';
import { HoverTooltip } from '../../../app/HoverTooltip';
import { QueryError } from '../../../app/QueryError';
import { certificatesKey, clusterKey, useCertificates, useCertificatesAction, type Certificate, type Cluster } from '../api';
import { OperationProgress } from '../StatusTag';
import { afterOperation, certificatesBlocked, certificatesOperation, daysLeftColor, staleAfter } from './certificates';

type Props = { cluster: Pick<Cluster, 'id' | 'name' | 'project_id' | 'status' | 'operation'> };

/**
 * The certificates tab: every node's certificates as the last check read them, soonest expiry first.
 * Check now and Renew (project managers and admins; disabled with the reason unless the cluster is
 * running and idle) queue an operation whose progress shows here; the list is read again when it ends.
 */
export function Certificates({ cluster }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const queryClient = useQueryClient();
  const me = useMe().data;
  const certificates = useCertificates(cluster.id);
  const action = useCertificatesAction();
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const blocked = certificatesBlocked(me, cluster);

  const op = certificatesOperation(cluster.operation);
  const watched = useRef<string | null>(null);
  const opId = op?.id ?? null;
  const opStatus = op?.status ?? null;
  useEffect(() => {
    const next = afterOperation(watched.current, opId && opStatus ? { id: opId, status: opStatus } : null);
    watched.current = next.watch;
    if (next.refetch) void queryClient.invalidateQueries({ queryKey: certificatesKey(cluster.id) });
  }, [opId, opStatus, cluster.id, queryClient]);

  const run = (kind: 'check' | 'renew') => {
    setError(null);
    action.mutate(
      { id: cluster.id, action: kind },
      {
        onSuccess: () => {
          setConfirming(false);
          void message.success(t(kind === 'check' ? 'certificates.checking' : 'certificates.renewing', { name: cluster.name }));
        },
        onError: (e) => {
          setError(describeError(t, e));
          if (staleAfter(e)) void queryClient.invalidateQueries({ queryKey: clusterKey(cluster.id) });
        },
      },
    );
  };

  const openRenew = () => {
    setError(null);
    setConfirming(true);
  };
  const closeRenew = () => {
    setError(null);
    setConfirming(false);
  };

  if (certificates.isError) return <QueryError error={certificates.error} />;
  const data = certificates.data;
  const warningDays = data?.expiring_within_days ?? 30;
  const expiring = (data?.items ?? []).filter((c) => c.days_left <= warningDays).length;

  const reason = blocked === 'busy' || blocked === 'notRunning' ? t(`certificates.${blocked}`) : null;
  const gated = (button: ReactElement) => (reason ? <Tooltip title={reason}>{button}</Tooltip> : button);
  const buttons = blocked !== 'readOnly' && (
    <Space>
      {gated(
        <Button icon={<SyncOutlined />} disabled={!!blocked} loading={action.isPending && action.variables?.action === 'check'} onClick={() => run('check')} data-testid="certificates-check">
          {t('certificates.check')}
        </Button>,
      )}
      {gated(
        <Button icon={<SafetyCertificateOutlined />} disabled={!!blocked} onClick={() => openRenew()} data-testid="certificates-renew">
          {t('certificates.renew')}
        </Button>,
      )}
    </Space>
  );

  const columns: TableColumnsType<Certificate> = [
    { title: t('certificates.node'), dataIndex: 'node' },
    { title: t('certificates.path'), dataIndex: 'path', render: (path: string) => <Typography.Text code>{path}</Typography.Text> },
    {
      title: t('certificates.subject'),
      dataIndex: 'subject',
      render: (subject: string, c) => (
        <HoverTooltip title={t('certificates.issuer', { issuer: c.issuer })}>
          <Typography.Text>{subject}</Typography.Text>
        </HoverTooltip>
      ),
    },
    { title: t('certificates.expires'), dataIndex: 'not_after', render: (v: string) => formatTime(v) },
    {
      title: t('certificates.daysLeft'),
      dataIndex: 'days_left',
      render: (days: number) => (
        <Tag color={daysLeftColor(days, warningDays)} data-testid="days-left" data-color={daysLeftColor(days, warningDays)}>
          {days < 0 ? t('certificates.expired') : days}
        </Tag>
      ),
    },
    { title: t('certificates.ca'), dataIndex: 'ca', render: (ca: boolean) => (ca ? <Tag color="purple">{t('certificates.ca')}</Tag> : null) },
  ];

  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="cluster-certificates">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        {data?.checked_at ? (
          <Space wrap>
            <Typography.Text type="secondary" data-testid="certificates-checked-at">
              {t('certificates.checkedAt', { time: formatTime(data.checked_at) })}
            </Typography.Text>
            <Typography.Text type={expiring ? 'danger' : 'success'} data-testid="certificates-summary">
              {expiring ? t('certificates.expiring', { count: expiring, days: warningDays }) : t('certificates.allValid', { days: warningDays })}
            </Typography.Text>
          </Space>
        ) : (
          <span />
        )}
        {buttons}
      </Space>
      {op && op.status !== 'succeeded' && (
        <Link to={`/clusters/${cluster.id}/operations/${op.id}`} style={{ display: 'block', maxWidth: 480 }} data-testid="certificates-operation">
          <OperationProgress operation={op} />
        </Link>
      )}
      {error && !confirming && <Alert type="error" showIcon title={error} closable={{ onClose: () => setError(null) }} data-testid="certificates-error" />}
      {data && !data.checked_at ? (
        <Empty
          image={Empty.PRESENTED_IMAGE_SIMPLE}
          data-testid="certificates-empty"
          description={
            <Space orientation="vertical" size={0}>
              <Typography.Text>{t('certificates.notChecked')}</Typography.Text>
              {blocked !== 'readOnly' && <Typography.Text type="secondary">{t('certificates.notCheckedHint')}</Typography.Text>}
            </Space>
          }
        />
      ) : (
        <Table<Certificate>
          rowKey={(c) => `${c.node}:${c.path}`}
          size="small"
          data-testid="certificates-table"
          loading={certificates.isLoading}
          columns={columns}
          dataSource={data?.items ?? []}
          pagination={{ pageSize: 50, hideOnSinglePage: true }}
        />
      )}
      {confirming && (
        <Modal
          open
          title={t('certificates.renewTitle', { name: cluster.name })}
          okText={t('certificates.renew')}
          cancelText={t('common.cancel')}
          okButtonProps={{ danger: true, 'data-testid': 'certificates-renew-submit' }}
          confirmLoading={action.isPending}
          onOk={() => run('renew')}
          onCancel={closeRenew}
        >
          <Space orientation="vertical" style={{ width: '100%' }}>
            {error && <Alert type="error" showIcon title={error} data-testid="certificates-renew-error" />}
            <Typography.Paragraph style={{ marginBottom: 0 }}>{t('certificates.renewExplain')}</Typography.Paragraph>
            <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
              {t('certificates.renewNot')}
            </Typography.Paragraph>
          </Space>
        </Modal>
      )}
    </Space>
  );
}
