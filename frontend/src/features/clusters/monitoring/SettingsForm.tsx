import { Alert, App, Button, Form, Input, InputNumber, Modal, Space, Switch, Tooltip, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../api';
import { applyApiError, describeError } from '../../../app/errors';
import { clusterKey, type Cluster } from '../api';
import { useDeleteMonitoring, usePutMonitoring } from './api';
import { DEFAULT_SIZE_GI, FIELDS, losses, toBody, toValues, type Settings, type Values } from './monitoring';

export type MonitoringCluster = Pick<Cluster, 'id' | 'name' | 'project_id' | 'status' | 'operation' | 'spec'>;
type FormValues = Values & { confirm?: string };

/** A 409 (busy, not running) means the page is stale: the cluster is read again so the buttons say why. */
function useStale(clusterId: string) {
  const queryClient = useQueryClient();
  return (e: unknown) => {
    if (e instanceof ApiError && e.status === 409) void queryClient.invalidateQueries({ queryKey: clusterKey(clusterId), exact: true });
  };
}

const hasProvisioner = (cluster: MonitoringCluster) => {
  const storage = (cluster.spec as { storage?: { provisioner?: string | null } }).storage;
  return !!storage?.provisioner && storage.provisioner !== 'none';
};

/**
 * The install form, and the change form (`change`; `current`: the settings installed, which an
 * install over a stack gone from the cluster is compared with too). A change that deletes
 * data (the service's rule, `losses`) asks for the cluster's name. The API's 422 lands on the field it
 * names; a 409 (busy, not running, charts missing from the package) shows above the form.
 */
export function SettingsForm(props: { cluster: MonitoringCluster; current?: Settings | null; change?: boolean; blockedReason: string | null; onStarted?: () => void }) {
  const { cluster, current, change, blockedReason, onStarted } = props;
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const put = usePutMonitoring();
  const stale = useStale(cluster.id);
  const [error, setError] = useState<string | null>(null);
  const initial: FormValues = toValues(current);
  const watched = Form.useWatch((v: FormValues) => v, form) ?? initial;
  const lost = losses(current, { ...initial, ...watched, storage_class: watched.storage_class ?? '' });
  const withClass = !!watched.storage_class?.trim();
  const provisioner = hasProvisioner(cluster);

  const submit = (v: FormValues) => {
    setError(null);
    const body = toBody({ ...initial, ...v, storage_class: v.storage_class ?? '' }, lost.length ? (v.confirm ?? '') : undefined);
    put.mutate(
      { clusterId: cluster.id, body },
      {
        onSuccess: () => {
          void message.success(t(change ? 'monitoring.changing' : 'monitoring.installing', { name: cluster.name }));
          onStarted?.();
        },
        onError: (e) => {
          // A refusal of `confirm` while its field is not shown goes above the form, not nowhere.
          setError(applyApiError(form, e, lost.length ? FIELDS : FIELDS.filter((f) => f !== 'confirm'), t));
          stale(e);
        },
      },
    );
  };

  const button = (
    <Button type="primary" htmlType="submit" disabled={!!blockedReason} loading={put.isPending} data-testid="monitoring-submit">
      {t(change ? 'monitoring.changeSubmit' : 'monitoring.install')}
    </Button>
  );
  return (
    <Form<FormValues> form={form} layout="vertical" initialValues={initial} onFinish={submit} style={{ maxWidth: 560 }} data-testid="monitoring-form">
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="monitoring-error" />}
      <Form.Item name="retention_days" label={t('monitoring.form.retention')} extra={t('monitoring.form.retentionHint')} rules={[{ required: true }]}>
        <InputNumber min={1} max={365} precision={0} suffix={t('monitoring.form.retentionUnit')} aria-label={t('monitoring.form.retention')} data-testid="monitoring-retention" />
      </Form.Item>
      <Form.Item
        name="storage_class"
        label={t('monitoring.form.storageClass')}
        extra={provisioner ? t('monitoring.form.storageClassHint') : t('monitoring.form.noProvisioner')}
      >
        <Input allowClear disabled={!provisioner && !current?.storage_class} autoComplete="off" aria-label={t('monitoring.form.storageClass')} data-testid="monitoring-storage-class" />
      </Form.Item>
      <Form.Item name="storage_size_gi" label={t('monitoring.form.storageSize')} extra={t('monitoring.form.storageSizeHint', { size: DEFAULT_SIZE_GI })}>
        <InputNumber
          min={1}
          max={10240}
          precision={0}
          disabled={!withClass}
          placeholder={String(DEFAULT_SIZE_GI)}
          suffix="GiB"
          aria-label={t('monitoring.form.storageSize')}
          data-testid="monitoring-storage-size"
        />
      </Form.Item>
      <Space size="large">
        <Form.Item name="loki" label={t('monitoring.form.loki')} valuePropName="checked">
          <Switch data-testid="monitoring-loki" />
        </Form.Item>
        <Form.Item name="grafana" label={t('monitoring.form.grafana')} valuePropName="checked">
          <Switch data-testid="monitoring-grafana" />
        </Form.Item>
      </Space>
      {lost.length > 0 && (
        <>
          <Alert
            type="warning"
            showIcon
            title={t('monitoring.deletesData', { what: lost.map((l) => t(`monitoring.loss.${l}`)).join(', ') })}
            style={{ marginBottom: 12 }}
            data-testid="monitoring-deletes-data"
          />
          <Form.Item
            name="confirm"
            label={t('monitoring.typeName', { name: cluster.name })}
            rules={[{ validator: (_, v?: string) => (v === cluster.name ? Promise.resolve() : Promise.reject(new Error(t('monitoring.mismatch')))) }]}
          >
            <Input autoComplete="off" data-testid="monitoring-confirm" />
          </Form.Item>
        </>
      )}
      {blockedReason ? <Tooltip title={blockedReason}>{button}</Tooltip> : button}
    </Form>
  );
}

/** "Change…": the same form in a dialog, with the settings installed. */
export function ChangeDialog({ cluster, current, onClose }: { cluster: MonitoringCluster; current: Settings; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Modal open width={640} title={t('monitoring.changeTitle', { name: cluster.name })} footer={null} onCancel={onClose}>
      <SettingsForm cluster={cluster} current={current} change blockedReason={null} onStarted={onClose} />
    </Modal>
  );
}

/** "Uninstall": the data goes with the releases, so the cluster's name is typed first. */
export function UninstallDialog({ cluster, onClose }: { cluster: MonitoringCluster; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const remove = useDeleteMonitoring();
  const stale = useStale(cluster.id);
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string | null>(null);
  const matches = typed === cluster.name;
  const submit = () => {
    setError(null);
    remove.mutate(
      { clusterId: cluster.id },
      {
        onSuccess: () => {
          void message.warning(t('monitoring.uninstalling', { name: cluster.name }));
          onClose();
        },
        onError: (e) => {
          setError(describeError(t, e));
          stale(e);
        },
      },
    );
  };
  return (
    <Modal
      open
      title={t('monitoring.uninstallTitle', { name: cluster.name })}
      okText={t('monitoring.uninstall')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: !matches, 'data-testid': 'monitoring-uninstall-submit' }}
      confirmLoading={remove.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Alert type="warning" showIcon title={t('monitoring.uninstallExplain')} />
        {error && <Alert type="error" showIcon title={error} data-testid="monitoring-uninstall-error" />}
        <Typography.Text>{t('monitoring.typeName', { name: cluster.name })}</Typography.Text>
        <Input
          value={typed}
          autoComplete="off"
          status={typed && !matches ? 'error' : undefined}
          onChange={(e) => setTyped(e.target.value)}
          aria-label={t('monitoring.typeName', { name: cluster.name })}
          data-testid="monitoring-uninstall-confirm"
        />
        {typed && !matches && <Typography.Text type="danger">{t('monitoring.mismatch')}</Typography.Text>}
      </Space>
    </Modal>
  );
}
