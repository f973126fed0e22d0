import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Input, Popconfirm, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { describeError } from '../../app/errors';
import { useFormatTime } from '../../app/format';
import { useProjects } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { AccountForm } from './AccountForm';
import { useBackupAccounts, useDeleteBackupAccount, useTestBackupAccount, type BackupAccount } from './api';

const PAGE_SIZE = 20;
const KIND_COLORS = { local: 'default', sftp: 'blue', s3: 'purple' } as const;

interface TestOutcome {
  ok: boolean;
  text: string;
  field?: string;
}

/** Where an account stores backups, as its kind names it. */
function Where({ account: a }: { account: BackupAccount }) {
  if (a.kind === 'local') return <Typography.Text code>{a.directory}</Typography.Text>;
  if (a.kind === 'sftp') {
    return (
      <Space orientation="vertical" size={0}>
        <Typography.Text>{`${a.username ?? ''}@${a.host ?? ''}:${a.port ?? 22}`}</Typography.Text>
        <Typography.Text code>{a.directory}</Typography.Text>
      </Space>
    );
  }
  return (
    <Space orientation="vertical" size={0}>
      <Typography.Text>{a.endpoint}</Typography.Text>
      <Typography.Text code>{a.bucket}</Typography.Text>
    </Space>
  );
}

export default function BackupAccountList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<BackupAccount | undefined>();
  const [formOpen, setFormOpen] = useState(false);
  const [outcome, setOutcome] = useState<TestOutcome | null>(null);
  const list = useBackupAccounts({ q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const projects = useProjects();
  const remove = useDeleteBackupAccount();
  const test = useTestBackupAccount();
  const projectName = (id: string) => projects.data?.items.find((p) => p.id === id)?.name ?? id;

  const openForm = (account?: BackupAccount) => {
    setEditing(account);
    setFormOpen(true);
  };

  const runTest = (a: BackupAccount) => {
    setOutcome(null);
    test.mutate(a.id, {
      onSuccess: (r) => setOutcome({ ok: r.ok, text: t('backupAccounts.testOk', { name: a.name, detail: r.detail, ms: Math.round(r.duration_ms) }) }),
      onError: (error) =>
        setOutcome({
          ok: false,
          text: t('backupAccounts.testFailed', { name: a.name, detail: describeError(t, error) }),
          field: error instanceof ApiError ? error.fieldErrors()[0]?.field : undefined,
        }),
    });
  };

  const columns: TableColumnsType<BackupAccount> = [
    {
      title: t('backupAccounts.name'),
      dataIndex: 'name',
      render: (name: string, a) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          {a.description && <Typography.Text type="secondary">{a.description}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('backupAccounts.kind'),
      dataIndex: 'kind',
      render: (kind: BackupAccount['kind']) => <Tag color={KIND_COLORS[kind]}>{t(`backupAccounts.kinds.${kind}`)}</Tag>,
    },
    { title: t('backupAccounts.where'), key: 'where', render: (_, a) => <Where account={a} /> },
    {
      title: t('backupAccounts.projects'),
      dataIndex: 'project_ids',
      render: (ids: string[]) =>
        ids.length ? (
          <Space size={4} wrap>
            {ids.map((id) => (
              <Tag key={id}>{projectName(id)}</Tag>
            ))}
          </Space>
        ) : (
          <Typography.Text type="secondary">{t('backupAccounts.noProjects')}</Typography.Text>
        ),
    },
    { title: t('common.updatedAt'), dataIndex: 'updated_at', render: (v: string) => formatTime(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 180,
      render: (_, a) => (
        <Space>
          <Button size="small" loading={test.isPending && test.variables === a.id} onClick={() => runTest(a)} data-testid={`account-test-${a.name}`}>
            {t('backupAccounts.test')}
          </Button>
          <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => openForm(a)} />
          <Popconfirm
            title={t('backupAccounts.deleteConfirm', { name: a.name })}
            okText={t('common.delete')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() =>
              remove.mutateAsync(a.id).then(
                () => void message.success(t('backupAccounts.deleted', { name: a.name })),
                (error: unknown) => void message.error(describeError(t, error)),
              )
            }
          >
            <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Card
      title={t('backupAccounts.title')}
      extra={
        <Space>
          <Input.Search
            allowClear
            placeholder={t('backupAccounts.search')}
            onSearch={(value) => {
              setQ(value.trim());
              setPage(1);
            }}
            style={{ width: 240 }}
          />
          <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm()} data-testid="account-create">
            {t('backupAccounts.create')}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('backupAccounts.intro')}</Typography.Paragraph>
      {outcome && (
        <Alert
          type={outcome.ok ? 'success' : 'error'}
          showIcon
          closable={{ onClose: () => setOutcome(null) }}
          title={outcome.text}
          description={outcome.field ? t('backupAccounts.testField', { field: outcome.field }) : undefined}
          style={{ marginBottom: 16 }}
          data-testid="account-test-result"
        />
      )}
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<BackupAccount>
          rowKey="id"
          data-testid="account-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('backupAccounts.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {formOpen && <AccountForm account={editing} onClose={() => setFormOpen(false)} />}
    </Card>
  );
}
