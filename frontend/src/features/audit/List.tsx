import { useQuery, keepPreviousData } from '@tanstack/react-query';
import { Card, DatePicker, Input, Select, Space, Table, Tag, Typography, type TableColumnsType } from 'antd';
import type { Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, call, type Schemas } from '../../api';
import { QueryError } from '../../app/QueryError';
import { useFormatTime } from '../../app/format';

type Entry = Schemas['AuditOut'];
type Result = 'success' | 'failure';
const PAGE_SIZE = 50;

export default function AuditLog() {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const [username, setUsername] = useState('');
  const [result, setResult] = useState<Result | undefined>();
  const [since, setSince] = useState<Dayjs | null>(null);
  const [page, setPage] = useState(1);
  const query = { username: username || undefined, result, since: since?.toISOString(), limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE };
  const list = useQuery({
    queryKey: ['audit', query],
    queryFn: () => call(api.GET('/api/v1/audit', { params: { query } })),
    placeholderData: keepPreviousData,
  });

  const columns: TableColumnsType<Entry> = [
    { title: t('audit.time'), dataIndex: 'time', width: 190, render: (v: string) => formatTime(v) },
    { title: t('audit.user'), dataIndex: 'username', render: (v: string) => v || <Typography.Text type="secondary">{t('audit.anonymous')}</Typography.Text> },
    { title: t('audit.action'), dataIndex: 'action' },
    {
      title: t('audit.request'),
      key: 'request',
      render: (_, e) => (
        <Typography.Text code>
          {e.method} {e.path}
        </Typography.Text>
      ),
    },
    {
      title: t('audit.result'),
      key: 'result',
      render: (_, e) => (
        <Tag color={e.result === 'success' ? 'green' : 'red'}>
          {e.result === 'success' ? t('audit.success') : t('audit.failure')} · {e.status_code}
        </Tag>
      ),
    },
    { title: t('audit.sourceIp'), dataIndex: 'source_ip' },
    { title: t('audit.requestId'), dataIndex: 'request_id', render: (v: string) => <Typography.Text type="secondary" copyable={{ text: v }}>{v.slice(0, 8)}</Typography.Text> },
  ];

  return (
    <Card title={t('audit.title')}>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          allowClear
          placeholder={t('audit.filterUser')}
          onSearch={(v) => {
            setUsername(v.trim());
            setPage(1);
          }}
          style={{ width: 200 }}
        />
        <Select<Result>
          allowClear
          placeholder={t('audit.filterResult')}
          style={{ width: 160 }}
          value={result}
          onChange={(v) => {
            setResult(v);
            setPage(1);
          }}
          options={[
            { value: 'success', label: t('audit.success') },
            { value: 'failure', label: t('audit.failure') },
          ]}
        />
        <DatePicker
          showTime
          placeholder={t('audit.since')}
          value={since}
          onChange={(v) => {
            setSince(v);
            setPage(1);
          }}
        />
      </Space>
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Entry>
          rowKey="id"
          size="small"
          data-testid="audit-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items}
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, showSizeChanger: false }}
        />
      )}
    </Card>
  );
}
