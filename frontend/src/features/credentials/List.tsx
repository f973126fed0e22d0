import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Input, Popconfirm, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { QueryError } from '../../app/QueryError';
import { useFormatTime } from '../../app/format';
import { useCurrentProject } from '../../app/project';
import { useCredentials, useDeleteCredential, type Credential } from './api';
import { CredentialForm } from './CredentialForm';

const PAGE_SIZE = 20;

export default function CredentialList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const current = useCurrentProject();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Credential | undefined>();
  const [formOpen, setFormOpen] = useState(false);
  const projectId = current.project?.id;
  const list = useCredentials({ projectId, q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, !!projectId);
  const remove = useDeleteCredential();

  const openForm = (credential?: Credential) => {
    setEditing(credential);
    setFormOpen(true);
  };

  const columns: TableColumnsType<Credential> = [
    {
      title: t('credentials.name'),
      dataIndex: 'name',
      render: (name: string, c) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          {c.description && <Typography.Text type="secondary">{c.description}</Typography.Text>}
        </Space>
      ),
    },
    { title: t('credentials.username'), dataIndex: 'username' },
    {
      title: t('credentials.authType'),
      dataIndex: 'auth_type',
      render: (type: Credential['auth_type']) => (
        <Tag color={type === 'password' ? 'blue' : 'purple'}>{t(`credentials.type.${type}`)}</Tag>
      ),
    },
    {
      title: t('credentials.secret'),
      key: 'secret',
      render: (_, c) =>
        c.auth_type === 'password' ? (
          <Typography.Text type="secondary">{c.has_password ? t('credentials.passwordStored') : t('credentials.noSecret')}</Typography.Text>
        ) : (
          <Space orientation="vertical" size={0}>
            <Typography.Text code copyable={!!c.key_fingerprint}>
              {c.key_fingerprint ?? t('credentials.noSecret')}
            </Typography.Text>
            {c.has_passphrase && <Typography.Text type="secondary">{t('credentials.withPassphrase')}</Typography.Text>}
          </Space>
        ),
    },
    { title: t('common.updatedAt'), dataIndex: 'updated_at', render: (v: string) => formatTime(v) },
  ];
  if (current.canWrite) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 120,
      render: (_, c) => (
        <Space>
          <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => openForm(c)} />
          <Popconfirm
            title={t('credentials.deleteConfirm', { name: c.name })}
            okText={t('common.delete')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() =>
              remove.mutateAsync(c.id).then(
                () => void message.success(t('credentials.deleted', { name: c.name })),
                (error: unknown) => void message.error(describeError(t, error)),
              )
            }
          >
            <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
          </Popconfirm>
        </Space>
      ),
    });
  }

  const empty = (
    <Empty
      description={current.canWrite ? t('credentials.emptyWriter') : t('credentials.emptyReader')}
      image={Empty.PRESENTED_IMAGE_SIMPLE}
    >
      {current.canWrite && (
        <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm()}>
          {t('credentials.create')}
        </Button>
      )}
    </Empty>
  );

  return (
    <Card
      title={t('credentials.title')}
      extra={
        <Space>
          <Input.Search
            allowClear
            placeholder={t('credentials.search')}
            onSearch={(value) => {
              setQ(value.trim());
              setPage(1);
            }}
            style={{ width: 240 }}
          />
          {current.canWrite && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm()} data-testid="credential-create">
              {t('credentials.create')}
            </Button>
          )}
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('credentials.intro')}</Typography.Paragraph>
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Credential>
          rowKey="id"
          data-testid="credential-table"
          loading={list.isLoading || current.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          locale={{ emptyText: empty }}
          pagination={{
            current: page,
            pageSize: PAGE_SIZE,
            total: list.data?.total ?? 0,
            onChange: setPage,
            hideOnSinglePage: true,
          }}
        />
      )}
      {formOpen && projectId && (
        <CredentialForm projectId={projectId} credential={editing} onClose={() => setFormOpen(false)} />
      )}
    </Card>
  );
}
