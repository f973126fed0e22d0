import { ArrowLeftOutlined, DownloadOutlined, RedoOutlined, StopOutlined } from '@ant-design/icons';
import { Alert, App, Badge, Button, Card, Col, Input, Popconfirm, Row, Space, Switch, Tooltip, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { useFormatTime } from '../../../app/format';
import { canWrite } from '../../../app/permissions';
import { QueryError } from '../../../app/QueryError';
import { saveText, useCancelOperation, useCluster, useOperation, useRetryOperation } from '../api';
import { kindLabel } from '../format';
import { OperationStatusTag } from '../StatusTag';
import { ErrorPanel } from './ErrorPanel';
import { formatEvent, phasesFromEvents, taskGrid } from './eventLog';
import { LogView } from './LogView';
import { PhaseStepper } from './PhaseStepper';
import { TaskGrid } from './TaskGrid';
import { useOperationEvents, type StreamState } from './useOperationEvents';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);
const BADGE: Record<StreamState, 'processing' | 'success' | 'warning' | 'default'> = {
  connecting: 'processing',
  open: 'success',
  retrying: 'warning',
  ended: 'default',
};

// What a succeeded operation changed, by kind (the others: the generic sentence).
const SUCCEEDED: Record<
  string,
  'workers.added' | 'workers.removed' | 'workers.rebuilt' | 'masters.added' | 'masters.removed' | 'upgrade.done' | 'certificates.checked' | 'certificates.renewed' | 'backups.done' | 'backups.restoredDone'
> = {
  'add-workers': 'workers.added',
  'add-masters': 'masters.added',
  'remove-masters': 'masters.removed',
  upgrade: 'upgrade.done',
  'remove-workers': 'workers.removed',
  'rebuild-worker': 'workers.rebuilt',
  'check-certificates': 'certificates.checked',
  'renew-certificates': 'certificates.renewed',
  'etcd-backup': 'backups.done',
  'etcd-restore': 'backups.restoredDone',
};

export default function DeployView() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const { clusterId, operationId } = useParams();
  const me = useMe().data;
  const operation = useOperation(operationId);
  const cluster = useCluster(clusterId);
  const [generation, setGeneration] = useState(0);
  const { log, version, state } = useOperationEvents(operationId, generation);
  const [search, setSearch] = useState('');
  const [follow, setFollow] = useState(true);
  const retry = useRetryOperation();
  const cancel = useCancelOperation();

  const events = log.events;
  const live = useMemo(() => phasesFromEvents(events), [events, version]); // eslint-disable-line react-hooks/exhaustive-deps
  const grid = useMemo(() => taskGrid(events), [events, version]); // eslint-disable-line react-hooks/exhaustive-deps

  if (operation.isError) return <QueryError error={operation.error} />;
  const op = operation.data;
  const writer = !!op && canWrite(me, op.project_id);
  const ended = state === 'ended' || (!!op && TERMINAL.has(op.status) && log.hasEnd);
  const status = op?.status;

  const download = () =>
    saveText(events.map((e) => formatEvent(e, true)).join('\n') + '\n', `${cluster.data?.name ?? 'cluster'}-${op?.kind ?? 'operation'}-${operationId}.log`);

  const onRetry = () =>
    op &&
    retry.mutate(op.id, {
      onSuccess: () => {
        setGeneration((g) => g + 1);
        void message.success(t('operations.retried'));
      },
      onError: (error) => void message.error(describeError(t, error)),
    });
  const onCancel = () =>
    op &&
    cancel.mutateAsync(op.id).then(
      () => void message.success(t('operations.cancelRequested')),
      (error: unknown) => void message.error(describeError(t, error)),
    );

  return (
    <Space orientation="vertical" size="middle" style={{ width: '100%' }} data-testid="deploy-view">
      <Card
        loading={operation.isLoading}
        title={
          <Space>
            <Link to={`/clusters/${clusterId}`} aria-label={t('common.back')}>
              <ArrowLeftOutlined />
            </Link>
            {t('operations.title', { kind: op ? kindLabel(t, op.kind) : '', cluster: cluster.data?.name ?? '' })}
            {status && <OperationStatusTag status={status} />}
          </Space>
        }
        extra={
          <Space>
            <Tooltip title={t(`operations.stream.${state}Hint`)}>
              <Badge status={BADGE[state]} text={t(`operations.stream.${state}`)} data-testid="stream-state" data-state={state} />
            </Tooltip>
            {writer && (status === 'failed' || status === 'cancelled') && (
              <Button type="primary" icon={<RedoOutlined />} loading={retry.isPending} onClick={onRetry} data-testid="operation-retry">
                {t('operations.retry')}
              </Button>
            )}
            {writer && (status === 'queued' || status === 'running') && (
              <Popconfirm
                title={t('operations.cancelConfirm')}
                okText={t('operations.cancel')}
                cancelText={t('common.back')}
                okButtonProps={{ danger: true }}
                onConfirm={onCancel}
              >
                <Button danger icon={<StopOutlined />} disabled={op?.cancel_requested} data-testid="operation-cancel">
                  {op?.cancel_requested ? t('operations.cancelling') : t('operations.cancel')}
                </Button>
              </Popconfirm>
            )}
          </Space>
        }
      >
        {op && (
          <Space wrap size="large">
            <Typography.Text type="secondary">
              {t('operations.started')}: {formatTime(op.started_at) || '—'}
            </Typography.Text>
            <Typography.Text type="secondary">
              {t('operations.ended')}: {formatTime(op.ended_at) || '—'}
            </Typography.Text>
            <Typography.Text type="secondary">{t('operations.attempts', { count: op.attempts })}</Typography.Text>
            <Typography.Text type="secondary" data-testid="event-count">
              {t('operations.events', { count: log.size })}
            </Typography.Text>
          </Space>
        )}
      </Card>

      {ended && status === 'succeeded' && (
        <Alert
          type="success"
          showIcon
          data-testid="operation-succeeded"
          title={
            op?.kind === 'reset'
              ? t('clusterDelete.resetDone', { name: cluster.data?.name ?? '' })
              : t(SUCCEEDED[op?.kind ?? ''] ?? 'operations.succeeded', { cluster: cluster.data?.name ?? '' })
          }
          action={
            op?.kind === 'reset' ? (
              <Link to="/clusters">
                <Button size="small">{t('clusterDelete.backToList')}</Button>
              </Link>
            ) : (
              <Link to={`/clusters/${clusterId}`}>
                <Button size="small">{t('operations.openCluster')}</Button>
              </Link>
            )
          }
        />
      )}
      {op?.failure && <ErrorPanel failure={op.failure} />}
      {ended && status === 'cancelled' && !op?.failure && <Alert type="warning" showIcon title={t('operations.wasCancelled')} />}

      <Row gutter={16}>
        <Col xs={24} lg={6}>
          <Card size="small" title={t('operations.phases')}>
            {op && <PhaseStepper phases={op.phases} live={live} ended={ended} />}
          </Card>
        </Col>
        <Col xs={24} lg={18}>
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            <Card size="small" title={t('operations.grid')}>
              <TaskGrid grid={grid} />
            </Card>
            <Card
              size="small"
              title={t('operations.log.title')}
              extra={
                <Space wrap>
                  <Input.Search
                    allowClear
                    size="small"
                    placeholder={t('operations.log.search')}
                    onSearch={setSearch}
                    onChange={(e) => !e.target.value && setSearch('')}
                    style={{ width: 220 }}
                    data-testid="log-search"
                  />
                  <Space size={4}>
                    <Switch size="small" checked={follow} onChange={setFollow} data-testid="log-follow" />
                    <Typography.Text>{t('operations.log.follow')}</Typography.Text>
                  </Space>
                  <Button size="small" icon={<DownloadOutlined />} onClick={download} disabled={!log.size} data-testid="log-download">
                    {t('operations.log.download')}
                  </Button>
                </Space>
              }
            >
              <LogView events={events} version={version} search={search} follow={follow} onFollowChange={setFollow} />
            </Card>
          </Space>
        </Col>
      </Row>
    </Space>
  );
}
