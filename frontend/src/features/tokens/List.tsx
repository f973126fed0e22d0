import { PlusOutlined, StopOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Popconfirm, Space, Switch, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { QueryError } from '../../app/QueryError';
import { useFormatTime } from '../../app/format';
import { isAdmin } from '../../app/permissions';
import { tokenState, useRevokeToken, useTokens, type Token, type TokenState } from './api';
import { CreateToken } from './CreateToken';

const PAGE_SIZE = 20;
const STATE_COLOR: Record<TokenState, string> = { active: 'green', revoked: 'default', expired: 'orange' };

export default function TokenList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useMe().data;
  const admin = isAdmin(me);
  const formatTime = useFormatTime();
  const [allUsers, setAllUsers] = useState(false);
  const [page, setPage] = useState(1);
  const [createOpen, setCreateOpen] = useState(false);
  const list = useTokens({ allUsers, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const revoke = useRevokeToken();

  const columns: TableColumnsType<Token> = [
    { title: t('tokens.name'), dataIndex: 'name' },
    { title: t('tokens.prefix'), dataIndex: 'prefix', render: (p: string) => <Typography.Text code>{p}…</Typography.Text> },
    {
      title: t('tokens.state'),
      key: 'state',
      render: (_, tok) => {
        const state = tokenState(tok);
        return <Tag color={STATE_COLOR[state]}>{t(`tokens.states.${state}`)}</Tag>;
      },
    },
    { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => formatTime(v) },
    { title: t('tokens.expiresAt'), dataIndex: 'expires_at', render: (v: string | null) => (v ? formatTime(v) : t('tokens.never')) },
    { title: t('tokens.lastUsed'), dataIndex: 'last_used_at', render: (v: string | null) => (v ? formatTime(v) : t('tokens.neverUsed')) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 110,
      render: (_, tok) =>
        tokenState(tok) === 'active' && (
          <Popconfirm
            title={t('tokens.revokeConfirm', { name: tok.name })}
            okText={t('tokens.revoke')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() =>
              revoke.mutateAsync(tok.id).then(
                () => void message.success(t('tokens.revoked', { name: tok.name })),
                (error: unknown) => void message.error(describeError(t, error)),
              )
            }
          >
            <Button size="small" type="text" danger icon={<StopOutlined />}>
              {t('tokens.revoke')}
            </Button>
          </Popconfirm>
        ),
    },
  ];
  if (allUsers) columns.splice(1, 0, { title: t('tokens.owner'), dataIndex: 'user_id', render: (id: string) => (id === me?.id ? t('tokens.you') : <Typography.Text code>{id.slice(0, 8)}</Typography.Text>) });

  return (
    <Card
      title={t('tokens.title')}
      extra={
        <Space>
          {admin && (
            <Space size={4}>
              <Switch
                size="small"
                checked={allUsers}
                onChange={(v) => {
                  setAllUsers(v);
                  setPage(1);
                }}
              />
              <Typography.Text>{t('tokens.allUsers')}</Typography.Text>
            </Space>
          )}
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreateOpen(true)} data-testid="token-create">
            {t('tokens.create')}
          </Button>
        </Space>
      }
    >
      <Typography.Paragraph type="secondary">{t('tokens.intro')}</Typography.Paragraph>
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Token>
          rowKey="id"
          data-testid="token-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('tokens.empty')} /> }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {createOpen && <CreateToken onClose={() => setCreateOpen(false)} />}
    </Card>
  );
}
