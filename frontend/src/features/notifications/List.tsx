import { DeleteOutlined, EditOutlined, PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Popconfirm, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../app/errors';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { RateLimited, useChannels, useDeleteChannel, useTestChannel, type Channel } from './api';
import { ChannelForm } from './ChannelForm';
import { AnswerText, Deliveries } from './Deliveries';

const PAGE_SIZE = 20;
const KIND_COLORS = { dingtalk: 'blue', wecom: 'green', email: 'gold', webhook: 'purple' } as const;

interface TestOutcome {
  type: 'success' | 'error' | 'warning';
  title: string;
  description?: ReactNode;
}

/** Where a channel sends: the masked URL, or the recipients and server of an email channel. */
function Target({ channel: c }: { channel: Channel }) {
  if (c.kind === 'email') {
    const to = Array.isArray(c.config.to) ? (c.config.to as string[]).join(', ') : '';
    return (
      <Space orientation="vertical" size={0}>
        <Typography.Text>{to}</Typography.Text>
        <Typography.Text type="secondary">{typeof c.config.host === 'string' ? c.config.host : ''}</Typography.Text>
      </Space>
    );
  }
  return <Typography.Text code>{c.masked.url}</Typography.Text>;
}

export default function ChannelList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const current = useCurrentProject();
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<Channel | undefined>();
  const [formOpen, setFormOpen] = useState(false);
  const [viewing, setViewing] = useState<Channel | null>(null);
  const [outcome, setOutcome] = useState<TestOutcome | null>(null);
  const projectId = current.project?.id;
  const list = useChannels({ projectId, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }, !!projectId);
  const remove = useDeleteChannel();
  const test = useTestChannel();

  const openForm = (channel?: Channel) => {
    setEditing(channel);
    setFormOpen(true);
  };

  const sendTest = (c: Channel) => {
    setOutcome(null);
    test.mutate(c.id, {
      onSuccess: (r) =>
        setOutcome({
          type: r.ok ? 'success' : 'error',
          title: r.ok ? t('channels.testOk', { name: c.name }) : t('channels.testFailed', { name: c.name }),
          description: <AnswerText delivery={r.delivery} />,
        }),
      onError: (error) =>
        setOutcome(
          error instanceof RateLimited && error.retryAfter !== null
            ? { type: 'warning', title: t('channels.rateLimited', { name: c.name, seconds: error.retryAfter }) }
            : { type: 'error', title: describeError(t, error instanceof RateLimited ? error.error : error) },
        ),
    });
  };

  const columns: TableColumnsType<Channel> = [
    {
      title: t('channels.name'),
      dataIndex: 'name',
      render: (name: string, c) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          {c.description && <Typography.Text type="secondary">{c.description}</Typography.Text>}
        </Space>
      ),
    },
    { title: t('channels.kind'), dataIndex: 'kind', render: (k: Channel['kind']) => <Tag color={KIND_COLORS[k]}>{t(`channels.kinds.${k}`)}</Tag> },
    { title: t('channels.language'), dataIndex: 'language', render: (l: Channel['language']) => t(`channels.languages.${l}`) },
    {
      title: t('channels.enabled'),
      dataIndex: 'enabled',
      render: (on: boolean) => (on ? <Tag color="green">{t('channels.enabledOn')}</Tag> : <Tag>{t('channels.enabledOff')}</Tag>),
    },
    {
      title: t('channels.rateLimit'),
      key: 'rate',
      render: (_, c) => (
        <Space size={4}>
          {t('channels.perMinute', { limit: c.rate_limit_per_minute })}
          {c.rate_limit_is_default && <Typography.Text type="secondary">({t('channels.isDefault')})</Typography.Text>}
        </Space>
      ),
    },
    { title: t('channels.target'), key: 'target', render: (_, c) => <Target channel={c} /> },
    {
      title: t('common.actions'),
      key: 'actions',
      render: (_, c) => (
        <Space>
          <Button size="small" onClick={() => setViewing(c)} data-testid={`channel-deliveries-${c.name}`}>
            {t('channels.deliveries')}
          </Button>
          {current.canWrite && (
            <>
              <Button size="small" loading={test.isPending && test.variables === c.id} onClick={() => sendTest(c)} data-testid={`channel-test-${c.name}`}>
                {t('channels.sendTest')}
              </Button>
              <Button size="small" type="text" icon={<EditOutlined />} aria-label={t('common.edit')} onClick={() => openForm(c)} />
              <Popconfirm
                title={t('channels.deleteConfirm', { name: c.name })}
                okText={t('common.delete')}
                cancelText={t('common.cancel')}
                okButtonProps={{ danger: true }}
                onConfirm={() =>
                  remove.mutateAsync(c.id).then(
                    () => void message.success(t('channels.deleted', { name: c.name })),
                    (error: unknown) => void message.error(describeError(t, error)),
                  )
                }
              >
                <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
              </Popconfirm>
            </>
          )}
        </Space>
      ),
    },
  ];

  const empty = (
    <Empty description={current.canWrite ? t('channels.emptyWriter') : t('channels.emptyReader')} image={Empty.PRESENTED_IMAGE_SIMPLE}>
      {current.canWrite && (
        <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm()}>
          {t('channels.create')}
        </Button>
      )}
    </Empty>
  );

  return (
    <Card
      title={t('channels.title')}
      extra={
        current.canWrite && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => openForm()} data-testid="channel-create">
            {t('channels.create')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('channels.intro')}</Typography.Paragraph>
      {outcome && (
        <Alert
          type={outcome.type}
          showIcon
          closable={{ onClose: () => setOutcome(null) }}
          title={outcome.title}
          description={outcome.description}
          style={{ marginBottom: 16 }}
          data-testid="channel-test-result"
        />
      )}
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Channel>
          rowKey="id"
          data-testid="channel-table"
          loading={list.isLoading || current.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          locale={{ emptyText: empty }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
        />
      )}
      {formOpen && projectId && <ChannelForm projectId={projectId} channel={editing} onClose={() => setFormOpen(false)} />}
      {viewing && <Deliveries channel={viewing} onClose={() => setViewing(null)} />}
    </Card>
  );
}
