import { DeleteOutlined, EditOutlined, PlusOutlined, UnlockOutlined } from '@ant-design/icons';
import { App, Button, Card, Input, Popconfirm, Space, Table, Tag, Tooltip, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { QueryError } from '../../app/QueryError';
import { useFormatTime } from '../../app/format';
import { useDeleteUser, useUnlockUser, useUsers, type User } from './api';
import { UserForm } from './UserForm';

const PAGE_SIZE = 20;

export default function UserList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useMe().data;
  const formatTime = useFormatTime();
  const [q, setQ] = useState('');
  const [page, setPage] = useState(1);
  const [formOpen, setFormOpen] = useState(false);
  const [editing, setEditing] = useState<User | undefined>();
  const list = useUsers({ q, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const remove = useDeleteUser();
  const unlock = useUnlockUser();
  const report = (promise: Promise<unknown>, done: string) =>
    promise.then(
      () => void message.success(done),
      (error: unknown) => void message.error(describeError(t, error)),
    );

  const columns: TableColumnsType<User> = [
    { title: t('users.username'), dataIndex: 'username' },
    { title: t('users.displayName'), dataIndex: 'display_name' },
    { title: t('users.email'), dataIndex: 'email' },
    {
      title: t('users.status'),
      key: 'status',
      render: (_, u) => (
        <Space size={4} wrap>
          {u.is_admin && <Tag color="gold">{t('roles.admin')}</Tag>}
          {u.is_active ? <Tag color="green">{t('users.activeTag')}</Tag> : <Tag>{t('users.disabledTag')}</Tag>}
          {u.locked && <Tag color="red">{t('users.lockedTag')}</Tag>}
        </Space>
      ),
    },
    { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => formatTime(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 140,
      render: (_, u) => (
        <Space>
          <Button
            size="small"
            type="text"
            icon={<EditOutlined />}
            aria-label={t('common.edit')}
            onClick={() => {
              setEditing(u);
              setFormOpen(true);
            }}
          />
          {u.locked && (
            <Tooltip title={t('users.unlock')}>
              <Button
                size="small"
                type="text"
                icon={<UnlockOutlined />}
                aria-label={t('users.unlock')}
                onClick={() => void report(unlock.mutateAsync(u.id), t('users.unlocked', { name: u.username }))}
              />
            </Tooltip>
          )}
          {u.id !== me?.id && (
            <Popconfirm
              title={t('users.deleteConfirm', { name: u.username })}
              okText={t('common.delete')}
              cancelText={t('common.cancel')}
              okButtonProps={{ danger: true }}
              onConfirm={() => report(remove.mutateAsync(u.id), t('users.deleted', { name: u.username }))}
            >
              <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
            </Popconfirm>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Card
      title={t('users.title')}
      extra={
        <Space>
          <Input.Search
            allowClear
            placeholder={t('users.search')}
            onSearch={(value) => {
              setQ(value.trim());
              setPage(1);
            }}
            style={{ width: 220 }}
          />
          <Button
            type="primary"
            icon={<PlusOutlined />}
            data-testid="user-create"
            onClick={() => {
              setEditing(undefined);
              setFormOpen(true);
            }}
          >
            {t('users.create')}
          </Button>
        </Space>
      }
    >
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<User>
          rowKey="id"
          data-testid="user-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {formOpen && <UserForm user={editing} onClose={() => setFormOpen(false)} />}
    </Card>
  );
}
