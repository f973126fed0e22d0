import { CloudUploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Empty, Form, Modal, Select, Space, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { isAdmin } from '../../../app/permissions';
import type { Cluster } from '../api';
import type { Blocked } from '../workers/workers';
import { useCreateBackup, useProjectBackupAccounts, type Backup } from './api';

type Props = {
  cluster: Pick<Cluster, 'id' | 'name' | 'project_id'>;
  blocked: Exclude<Blocked, 'readOnly'> | null;
  onStarted: (backup: Backup) => void;
};

/**
 * "Back up now": pick one of the backup accounts shared with the cluster's project, POST the backup,
 * and hand its operation to the tab (which shows the progress). Disabled with the reason unless the
 * cluster is running and idle.
 */
export function BackUpNow({ cluster, blocked, onStarted }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const admin = isAdmin(useMe().data);
  const [open, setOpen] = useState(false);
  const [accountId, setAccountId] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const accounts = useProjectBackupAccounts(cluster.project_id, open);
  const create = useCreateBackup();
  const items = accounts.data?.items ?? [];

  const close = () => {
    setOpen(false);
    setError(null);
    setAccountId(undefined);
  };
  const submit = () => {
    if (!accountId) return setError(t('backups.accountRequired'));
    setError(null);
    create.mutate(
      { clusterId: cluster.id, accountId },
      {
        onSuccess: (backup) => {
          close();
          void message.success(t('backups.started', { name: cluster.name }));
          onStarted(backup);
        },
        onError: (e) => setError(describeError(t, e)),
      },
    );
  };

  const button = (
    <Button type="primary" icon={<CloudUploadOutlined />} disabled={!!blocked} onClick={() => setOpen(true)} data-testid="backup-now">
      {t('backups.backUpNow')}
    </Button>
  );
  return (
    <>
      {blocked ? <Tooltip title={t(`backups.${blocked}`)}>{button}</Tooltip> : button}
      {open && (
        <Modal
          open
          title={t('backups.backUpTitle', { name: cluster.name })}
          okText={t('backups.backUpNow')}
          cancelText={t('common.cancel')}
          okButtonProps={{ disabled: !items.length, 'data-testid': 'backup-now-submit' }}
          confirmLoading={create.isPending}
          onOk={submit}
          onCancel={close}
        >
          <Space orientation="vertical" style={{ width: '100%' }}>
            <Typography.Paragraph type="secondary">{t('backups.backUpExplain')}</Typography.Paragraph>
            {error && <Alert type="error" showIcon title={error} data-testid="backup-now-error" />}
            {accounts.isError && <Alert type="error" showIcon title={describeError(t, accounts.error)} />}
            {accounts.isSuccess && !items.length ? (
              <Empty
                image={Empty.PRESENTED_IMAGE_SIMPLE}
                data-testid="backup-no-accounts"
                description={
                  <Space orientation="vertical" size={0}>
                    <Typography.Text>{t('backups.noAccounts')}</Typography.Text>
                    <Typography.Text type="secondary">{t('backups.noAccountsHint')}</Typography.Text>
                    {admin && <Link to="/admin/backup-accounts">{t('backups.manageAccounts')}</Link>}
                  </Space>
                }
              />
            ) : (
              <Form layout="vertical">
                <Form.Item label={t('backups.account')} required>
                  <Select
                    value={accountId}
                    onChange={setAccountId}
                    loading={accounts.isLoading}
                    placeholder={t('backups.accountPlaceholder')}
                    data-testid="backup-account"
                    options={items.map((a) => ({ value: a.id, label: `${a.name} (${t(`backupAccounts.kinds.${a.kind}`)})` }))}
                  />
                </Form.Item>
              </Form>
            )}
          </Space>
        </Modal>
      )}
    </>
  );
}
