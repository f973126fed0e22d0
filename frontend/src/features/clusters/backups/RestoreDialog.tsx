import { Alert, App, Form, Input, Modal, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../api';
import { describeError } from '../../../app/errors';
import { useFormatTime } from '../../../app/format';
import type { Cluster } from '../api';
import { useCreateRestore, type Backup, type Restore } from './api';
import { confirmsName } from './backups';

type Props = {
  cluster: Pick<Cluster, 'id' | 'name'>;
  backup: Backup;
  onClose: () => void;
  onStarted: (restore: Restore) => void;
};

/**
 * The restore's confirmation: the cluster's data is replaced and its API unavailable meanwhile, and
 * the cluster's name must be typed exactly (the button waits for it; the API checks it again and its
 * refusal of `confirm` shows under the field, any other one above it).
 */
export function RestoreDialog({ cluster, backup, onClose, onStarted }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const restore = useCreateRestore();
  const [typed, setTyped] = useState('');
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const matches = confirmsName(typed, cluster.name);

  const submit = () => {
    setError(null);
    setFieldError(null);
    restore.mutate(
      { clusterId: cluster.id, backupId: backup.id, confirm: typed },
      {
        onSuccess: (r) => {
          void message.warning(t('backups.restoring', { name: cluster.name }));
          onStarted(r);
          onClose();
        },
        onError: (e) => {
          const onConfirm = e instanceof ApiError ? e.fieldErrors().find((f) => f.field.replace(/^body\./, '') === 'confirm') : undefined;
          if (onConfirm) setFieldError(onConfirm.message);
          else setError(describeError(t, e));
        },
      },
    );
  };

  const mismatch = typed !== '' && !matches;
  return (
    <Modal
      open
      title={t('backups.restoreTitle', { name: cluster.name })}
      okText={t('backups.restoreSubmit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true, disabled: !matches, 'data-testid': 'restore-submit' }}
      confirmLoading={restore.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Alert
          type="warning"
          showIcon
          title={t('backups.restoreWarning')}
          description={t('backups.restoreExplain', { time: formatTime(backup.created_at), revision: backup.revision ?? '—' })}
          data-testid="restore-warning"
        />
        {error && <Alert type="error" showIcon title={error} data-testid="restore-error" />}
        <Typography.Text type="secondary">
          {`${backup.kubernetes_version ?? ''} · ${formatTime(backup.completed_at ?? backup.created_at)}`}
        </Typography.Text>
        <Form layout="vertical" onFinish={() => matches && submit()}>
          <Form.Item
            label={t('backups.restoreTyped', { name: cluster.name })}
            validateStatus={fieldError || mismatch ? 'error' : undefined}
            help={fieldError ?? (mismatch ? t('backups.restoreMismatch') : undefined)}
          >
            <Input
              value={typed}
              autoComplete="off"
              onChange={(e) => {
                setTyped(e.target.value);
                setFieldError(null);
              }}
              data-testid="restore-confirm"
            />
          </Form.Item>
        </Form>
      </Space>
    </Modal>
  );
}
