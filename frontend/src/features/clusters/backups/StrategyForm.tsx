import { Alert, App, Button, Card, Form, Input, InputNumber, Popconfirm, Select, Space, Switch, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError, describeError } from '../../../app/errors';
import { useFormatTime } from '../../../app/format';
import type { Cluster } from '../api';
import { useProjectBackupAccounts } from './api';
import { useDeleteStrategy, usePutStrategy, useStrategy, type Strategy, type StrategyPut } from './strategy';

type Values = { account_id?: string; cron: string; keep_count: number; keep_days: number | null; enabled: boolean };
const FIELDS = ['account_id', 'cron', 'keep_count', 'keep_days', 'enabled'] as const;
const DEFAULTS: Values = { cron: '0 2 * * *', keep_count: 7, keep_days: null, enabled: true };

const toValues = (s: Strategy | null | undefined): Values =>
  s ? { account_id: s.account_id, cron: s.cron, keep_count: s.keep_count, keep_days: s.keep_days, enabled: s.enabled } : DEFAULTS;

/**
 * The cluster's backup schedule: account, cron (UTC) with its help and examples, retention by count
 * and age, enabled; the next scheduled run and why the last one could not start. Project managers and
 * admins save and remove it; readers see it only. The API's 422 lands on the field it names.
 */
export function StrategyForm({ cluster, writer }: { cluster: Pick<Cluster, 'id' | 'project_id'>; writer: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const [form] = Form.useForm<Values>();
  const strategy = useStrategy(cluster.id);
  const accounts = useProjectBackupAccounts(cluster.project_id, writer || !!strategy.data);
  const put = usePutStrategy();
  const remove = useDeleteStrategy();
  const [error, setError] = useState<string | null>(null);
  const current = strategy.data;

  useEffect(() => {
    if (strategy.isSuccess) form.setFieldsValue(toValues(current));
  }, [strategy.isSuccess, current, form]);

  const save = (values: Values) => {
    setError(null);
    const body: StrategyPut = { ...values, account_id: values.account_id ?? '', cron: values.cron.trim(), keep_days: values.keep_days ?? null };
    put.mutate(
      { clusterId: cluster.id, body },
      {
        onSuccess: () => void message.success(t('backups.strategy.saved')),
        onError: (e) => setError(applyApiError(form, e, FIELDS, t)),
      },
    );
  };
  const drop = () =>
    remove.mutate(cluster.id, {
      onSuccess: () => {
        form.setFieldsValue(DEFAULTS);
        void message.success(t('backups.strategy.removed'));
      },
      onError: (e) => setError(describeError(t, e)),
    });

  if (strategy.isError) {
    return <Alert type="warning" showIcon title={t('backups.strategy.unavailable', { detail: describeError(t, strategy.error) })} data-testid="strategy-unavailable" />;
  }
  return (
    <Card size="small" title={t('backups.strategy.title')} loading={strategy.isLoading} data-testid="backup-strategy">
      <Typography.Paragraph type="secondary">{t('backups.strategy.intro')}</Typography.Paragraph>
      <Typography.Paragraph data-testid="strategy-next-run">
        {!current
          ? t('backups.strategy.none')
          : current.next_run_at
            ? t('backups.strategy.nextRun', { time: formatTime(current.next_run_at) })
            : t('backups.strategy.noNextRun')}
      </Typography.Paragraph>
      {current?.last_error && <Alert type="warning" showIcon title={current.last_error} style={{ marginBottom: 12 }} data-testid="strategy-last-error" />}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="strategy-error" />}
      {/* A reader of a cluster without a schedule has nothing to look at but the sentence above. */}
      <Form<Values> form={form} layout="vertical" disabled={!writer} onFinish={save} initialValues={DEFAULTS} style={{ maxWidth: 560, display: writer || current ? undefined : 'none' }}>
        <Form.Item name="account_id" label={t('backups.strategy.account')} rules={[{ required: true, message: t('backups.accountRequired') }]}>
          <Select
            loading={accounts.isLoading}
            placeholder={t('backups.accountPlaceholder')}
            data-testid="strategy-account"
            options={(accounts.data?.items ?? []).map((a) => ({ value: a.id, label: `${a.name} (${t(`backupAccounts.kinds.${a.kind}`)})` }))}
          />
        </Form.Item>
        <Form.Item
          name="cron"
          label={t('backups.strategy.cron')}
          rules={[{ required: true, whitespace: true, message: t('backups.strategy.cronHelp') }]}
          extra={
            <>
              <div>{t('backups.strategy.cronHelp')}</div>
              <div>{t('backups.strategy.cronExamples')}</div>
            </>
          }
        >
          <Input style={{ fontFamily: 'monospace' }} data-testid="strategy-cron" />
        </Form.Item>
        <Space wrap align="start">
          <Form.Item name="keep_count" label={t('backups.strategy.keepCount')} rules={[{ required: true }]}>
            <InputNumber min={1} max={1000} suffix={t('backups.strategy.keepCountUnit')} data-testid="strategy-keep-count" />
          </Form.Item>
          <Form.Item name="keep_days" label={t('backups.strategy.keepDays')}>
            <InputNumber min={1} max={3650} suffix={t('backups.strategy.keepDaysUnit')} data-testid="strategy-keep-days" />
          </Form.Item>
          <Form.Item name="enabled" label={t('backups.strategy.enabled')} valuePropName="checked">
            <Switch data-testid="strategy-enabled" />
          </Form.Item>
        </Space>
        <Typography.Paragraph type="secondary">{t('backups.strategy.keepHint')}</Typography.Paragraph>
        {writer && (
          <Space>
            <Button type="primary" htmlType="submit" loading={put.isPending} data-testid="strategy-save">
              {t('backups.strategy.save')}
            </Button>
            {current && (
              <Popconfirm title={t('backups.strategy.removeConfirm')} onConfirm={drop} okText={t('common.delete')} cancelText={t('common.cancel')}>
                <Button danger loading={remove.isPending} data-testid="strategy-remove">
                  {t('backups.strategy.remove')}
                </Button>
              </Popconfirm>
            )}
          </Space>
        )}
      </Form>
    </Card>
  );
}
