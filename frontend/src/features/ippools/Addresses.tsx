import { Alert, App, Button, Drawer, Form, Input, InputNumber, Modal, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError, describeError } from '../../app/errors';
import { useFormatTime } from '../../app/format';
import { QueryError } from '../../app/QueryError';
import { ADDRESS_STATUSES, useAddresses, useAllocate, useRelease, type AddressStatus, type IpAddress, type IpPool } from './api';

const PAGE_SIZE = 50;
const STATUS_COLOR: Record<AddressStatus, string> = { free: 'green', allocated: 'blue', in_use: 'orange' };

export function AddressStatusTag({ status }: { status: AddressStatus }) {
  const { t } = useTranslation();
  return (
    <Tooltip title={t(`ipPools.statusHint.${status}`)}>
      <Tag color={STATUS_COLOR[status]}>{t(`ipPools.status.${status}`)}</Tag>
    </Tooltip>
  );
}

function AllocateDialog({ pool, onClose }: { pool: IpPool; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ count: number; owner: string }>();
  const [formError, setFormError] = useState<string | null>(null);
  const allocate = useAllocate();
  const onFinish = ({ count, owner }: { count: number; owner: string }) => {
    setFormError(null);
    allocate.mutate(
      { id: pool.id, count, owner: owner.trim() },
      {
        onSuccess: (result) => {
          void message.success(t('ipPools.allocated', { addresses: result.addresses.join(', '), owner: result.owner }));
          if (result.skipped_in_use.length) void message.warning(t('ipPools.skipped', { addresses: result.skipped_in_use.join(', ') }));
          onClose();
        },
        onError: (error) => setFormError(applyApiError(form, error, ['count', 'owner'], t)),
      },
    );
  };
  return (
    <Modal
      open
      title={t('ipPools.allocateTitle', { name: pool.name })}
      okText={t('ipPools.allocate')}
      cancelText={t('common.cancel')}
      confirmLoading={allocate.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
      mask={{ closable: !allocate.isPending }}
    >
      <Alert type="info" showIcon title={t('ipPools.allocateHint')} style={{ marginBottom: 16 }} />
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} initialValues={{ count: 1 }} disabled={allocate.isPending}>
        <Form.Item name="count" label={t('ipPools.count')} rules={[{ required: true, message: t('validation.required') }]}>
          <InputNumber min={1} max={Math.min(256, pool.counts.free || 1)} precision={0} />
        </Form.Item>
        <Form.Item name="owner" label={t('ipPools.owner')} extra={t('ipPools.ownerHint')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
          <Input maxLength={255} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

function ReleaseOwnerDialog({ pool, onClose }: { pool: IpPool; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ owner: string }>();
  const [formError, setFormError] = useState<string | null>(null);
  const release = useRelease();
  const onFinish = ({ owner }: { owner: string }) =>
    release.mutate(
      { id: pool.id, body: { owner: owner.trim() } },
      {
        onSuccess: (result) => {
          void message.success(t('ipPools.released', { count: result.addresses.length }));
          onClose();
        },
        onError: (error) => setFormError(applyApiError(form, error, ['owner'], t)),
      },
    );
  return (
    <Modal
      open
      title={t('ipPools.releaseOwnerTitle')}
      okText={t('ipPools.release')}
      okButtonProps={{ danger: true }}
      cancelText={t('common.cancel')}
      confirmLoading={release.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish}>
        <Form.Item name="owner" label={t('ipPools.owner')} rules={[{ required: true, whitespace: true, message: t('validation.required') }]}>
          <Input maxLength={255} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** A pool's addresses by status, with allocate and release for writers. */
export function Addresses({ pool, writer, onClose }: { pool: IpPool; writer: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const formatTime = useFormatTime();
  const [status, setStatus] = useState<AddressStatus | undefined>();
  const [owner, setOwner] = useState('');
  const [page, setPage] = useState(1);
  const [selected, setSelected] = useState<string[]>([]);
  const [dialog, setDialog] = useState<'allocate' | 'releaseOwner' | null>(null);
  const list = useAddresses({ poolId: pool.id, status, owner, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const release = useRelease();

  const releaseSelected = () =>
    release.mutateAsync({ id: pool.id, body: { addresses: selected } }).then(
      (result) => {
        setSelected([]);
        void message.success(t('ipPools.released', { count: result.addresses.length }));
      },
      (error: unknown) => void message.error(describeError(t, error)),
    );

  const columns: TableColumnsType<IpAddress> = [
    { title: t('ipPools.ip'), dataIndex: 'ip', render: (ip: string) => <Typography.Text copyable>{ip}</Typography.Text> },
    { title: t('ipPools.statusCol'), dataIndex: 'status', render: (s: AddressStatus) => <AddressStatusTag status={s} /> },
    { title: t('ipPools.owner'), dataIndex: 'owner', render: (o: string | null) => o ?? '—' },
    { title: t('ipPools.allocatedAt'), dataIndex: 'allocated_at', render: (v: string | null) => formatTime(v) || '—' },
    { title: t('ipPools.checkedAt'), dataIndex: 'checked_at', render: (v: string | null) => formatTime(v) || '—' },
  ];

  return (
    <Drawer open size={820} title={t('ipPools.addressesTitle', { name: pool.name })} onClose={onClose} data-testid="pool-addresses">
      <Space wrap style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }}>
        <Space wrap>
          <Select<AddressStatus>
            allowClear
            placeholder={t('ipPools.anyStatus')}
            style={{ width: 180 }}
            value={status}
            onChange={(value) => {
              setStatus(value);
              setPage(1);
            }}
            options={ADDRESS_STATUSES.map((s) => ({ value: s, label: `${t(`ipPools.status.${s}`)} (${pool.counts[s]})` }))}
            data-testid="address-status-filter"
          />
          <Input.Search
            allowClear
            placeholder={t('ipPools.ownerFilter')}
            style={{ width: 200 }}
            onSearch={(value) => {
              setOwner(value.trim());
              setPage(1);
            }}
          />
        </Space>
        {writer && (
          <Space wrap>
            <Button type="primary" onClick={() => setDialog('allocate')} disabled={pool.counts.free === 0} data-testid="pool-allocate">
              {t('ipPools.allocate')}
            </Button>
            <Popconfirm
              title={t('ipPools.releaseConfirm', { count: selected.length })}
              okText={t('ipPools.release')}
              okButtonProps={{ danger: true }}
              cancelText={t('common.cancel')}
              disabled={!selected.length}
              onConfirm={releaseSelected}
            >
              <Button danger disabled={!selected.length} data-testid="pool-release-selected">
                {t('ipPools.releaseSelected', { count: selected.length })}
              </Button>
            </Popconfirm>
            <Button onClick={() => setDialog('releaseOwner')} disabled={pool.counts.allocated === 0}>
              {t('ipPools.releaseOwner')}
            </Button>
          </Space>
        )}
      </Space>
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<IpAddress>
          size="small"
          rowKey="ip"
          data-testid="address-table"
          loading={list.isLoading}
          columns={columns}
          dataSource={list.data?.items ?? []}
          locale={{ emptyText: t('ipPools.noAddresses') }}
          rowSelection={
            writer
              ? {
                  selectedRowKeys: selected,
                  onChange: (keys) => setSelected(keys.map(String)),
                  getCheckboxProps: (a) => ({ disabled: a.status !== 'allocated' }),
                }
              : undefined
          }
          pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true, showSizeChanger: false }}
        />
      )}
      {dialog === 'allocate' && <AllocateDialog pool={pool} onClose={() => setDialog(null)} />}
      {dialog === 'releaseOwner' && <ReleaseOwnerDialog pool={pool} onClose={() => setDialog(null)} />}
    </Drawer>
  );
}
