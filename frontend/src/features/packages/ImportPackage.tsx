import { Alert, Checkbox, Collapse, Form, Input, Modal, Progress, Space, Typography } from 'antd';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { IMPORT_POLL_MS, packagesKey, useImportPackage, usePackage, type OfflinePackage } from './api';

const BUILD_COMMAND =
  'python -m ko_deployment.packages build <dir> --kubernetes-version 1.36.0 --arch amd64 [--component containerd=1.7.27 ...] --tarball pkg.tar.gz';

function useElapsedSeconds(running: boolean): number {
  const [started] = useState(() => Date.now());
  const [now, setNow] = useState(started);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [running]);
  return Math.round((now - started) / 1000);
}

/** The import's progress: the package is polled until it is ready or failed (its events have no project to follow). */
function ImportProgress({ started, pollMs }: { started: OfflinePackage; pollMs: number }) {
  const { t } = useTranslation();
  const query = usePackage(started.id, pollMs);
  const pkg = query.data ?? started;
  const elapsed = useElapsedSeconds(pkg.status === 'importing');
  const queryClient = useQueryClient();
  const done = pkg.status !== 'importing';
  // The end of the import changes the list and the deployable versions.
  useEffect(() => {
    if (done) void queryClient.invalidateQueries({ queryKey: packagesKey });
  }, [done, queryClient]);
  const label = { version: pkg.kubernetes_version, arch: pkg.arch };
  if (pkg.status === 'ready') {
    return <Alert type="success" showIcon title={t('packages.ready', label)} data-testid="import-ready" />;
  }
  if (pkg.status === 'failed') {
    return (
      <Alert
        type="error"
        showIcon
        title={t('packages.failed', label)}
        description={<pre style={{ whiteSpace: 'pre-wrap', margin: 0, fontFamily: 'inherit' }}>{pkg.error}</pre>}
        data-testid="import-failed"
      />
    );
  }
  return (
    <Space orientation="vertical" style={{ width: '100%' }} data-testid="import-progress">
      <Typography.Text strong>{t('packages.importing', label)}</Typography.Text>
      <Progress percent={100} status="active" showInfo={false} />
      <Typography.Text type="secondary">
        {t('packages.importingHint')} {t('packages.elapsed', { seconds: elapsed })}
      </Typography.Text>
    </Space>
  );
}

interface Values {
  source: string;
  replace: boolean;
}

export function ImportPackage({ onClose, pollMs = IMPORT_POLL_MS }: { onClose: () => void; pollMs?: number }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const importPackage = useImportPackage();
  const started = importPackage.data;

  const onFinish = (values: Values) => {
    setFormError(null);
    importPackage.mutate(
      { source: values.source.trim(), replace: values.replace },
      { onError: (error) => setFormError(applyApiError(form, error, ['source', 'replace'], t)) },
    );
  };

  return (
    <Modal
      open
      width={640}
      title={t('packages.importTitle')}
      okText={started ? t('packages.close') : t('packages.import')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'package-submit' }}
      cancelButtonProps={{ style: started ? { display: 'none' } : undefined }}
      confirmLoading={importPackage.isPending}
      onOk={() => (started ? onClose() : form.submit())}
      onCancel={onClose}
    >
      {started ? (
        <ImportProgress started={started} pollMs={pollMs} />
      ) : (
        <>
          {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
          <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="package" initialValues={{ replace: false }} disabled={importPackage.isPending}>
            <Form.Item name="source" label={t('packages.source')} extra={t('packages.sourceHint')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
              <Input maxLength={4096} placeholder="/srv/kubeoperator/packages/1.36.0-amd64.tar.gz" style={{ fontFamily: 'monospace' }} />
            </Form.Item>
            <Form.Item name="replace" valuePropName="checked">
              <Checkbox>{t('packages.replace')}</Checkbox>
            </Form.Item>
          </Form>
          <Collapse
            size="small"
            items={[
              {
                key: 'how',
                label: t('packages.howTo'),
                children: (
                  <Space orientation="vertical">
                    <Typography.Text>{t('packages.howToText')}</Typography.Text>
                    <Typography.Text code copyable>
                      {BUILD_COMMAND}
                    </Typography.Text>
                    <Typography.Text>{t('packages.howToCopy')}</Typography.Text>
                  </Space>
                ),
              },
            ]}
          />
        </>
      )}
    </Modal>
  );
}
