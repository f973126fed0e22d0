import { Drawer, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormatTime } from '../../app/format';
import { QueryError } from '../../app/QueryError';
import { useDeliveries, type Channel, type Delivery } from './api';

const PAGE_SIZE = 20;
const STATUS_COLORS = { pending: 'processing', delivered: 'success', failed: 'error' } as const;

/** The receiver's answer: its status code and an excerpt of what it said. */
export function AnswerText({ delivery }: { delivery: Pick<Delivery, 'answer_status' | 'answer'> }) {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={0}>
      {delivery.answer_status !== null && <Typography.Text strong>{t('channels.answerStatus', { status: delivery.answer_status })}</Typography.Text>}
      <Typography.Text type="secondary" ellipsis={{ tooltip: delivery.answer }} style={{ maxWidth: 360 }}>
        {delivery.answer || t('channels.noAnswer')}
      </Typography.Text>
    </Space>
  );
}

export function Deliveries({ channel, onClose }: { channel: Channel; onClose: () => void }) {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const [page, setPage] = useState(1);
  const list = useDeliveries(channel.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });

  const columns: TableColumnsType<Delivery> = [
    {
      title: t('channels.time'),
      dataIndex: 'created_at',
      render: (v: string, d) => (
        <Tooltip title={d.last_attempt_at ? formatTime(d.last_attempt_at) : undefined}>
          <span>{formatTime(v)}</span>
        </Tooltip>
      ),
    },
    {
      title: t('channels.messageTitle'),
      dataIndex: 'title',
      render: (title: string, d) => (
        <Space size={4} wrap>
          <Typography.Text>{title}</Typography.Text>
          {d.test && <Tag>{t('channels.testTag')}</Tag>}
          {d.merged_with > 0 && <Typography.Text type="secondary">{t('channels.merged', { others: d.merged_with })}</Typography.Text>}
        </Space>
      ),
    },
    {
      title: t('channels.status'),
      dataIndex: 'status',
      render: (s: Delivery['status'], d) => (
        <Space orientation="vertical" size={0}>
          <Tag color={STATUS_COLORS[s]}>{t(`channels.statuses.${s}`)}</Tag>
          {d.next_attempt_at && <Typography.Text type="secondary">{t('channels.nextAttempt', { time: formatTime(d.next_attempt_at) })}</Typography.Text>}
        </Space>
      ),
    },
    { title: t('channels.attempts'), dataIndex: 'attempts', width: 90 },
    { title: t('channels.answer'), key: 'answer', render: (_, d) => <AnswerText delivery={d} /> },
  ];

  return (
    <Drawer open size={900} title={t('channels.deliveriesTitle', { name: channel.name })} onClose={onClose} data-testid="channel-deliveries">
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Delivery>
          size="small"
          rowKey="id"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: t('channels.noDeliveries') }}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true, showSizeChanger: false }}
        />
      )}
    </Drawer>
  );
}
