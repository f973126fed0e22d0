import { WarningOutlined } from '@ant-design/icons';
import { Alert, Descriptions, Drawer, Empty, Space, Spin, Table, Tag, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { QueryError } from '../../app/QueryError';
import { useFormatTime } from '../../app/format';
import { useHost, type Host } from './api';
import { formatBytes, readFacts, TIME_OFFSET_WARN_MS, type Address, type Disk, type PortInUse } from './facts';
import { StatusTag } from './StatusTag';

function Warn({ hint, children }: { hint: string; children: ReactNode }) {
  return (
    <Tooltip title={hint}>
      <Typography.Text type="warning">
        <WarningOutlined /> {children}
      </Typography.Text>
    </Tooltip>
  );
}

/** A host's connection, last check and facts; fresh from the API, kept current by live events. */
export function HostDetail({
  hostId,
  credentialName,
  actions,
  onClose,
}: {
  hostId: string;
  credentialName: (id: string) => string;
  actions?: (host: Host) => ReactNode;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const formatTime = useFormatTime();
  const query = useHost(hostId);
  const host = query.data;
  const facts = host ? readFacts(host) : null;

  const becomeLabel = (become: string | null) =>
    become && ['root', 'sudo', 'sudo_password'].includes(become)
      ? t(`hosts.detail.becomeValues.${become as 'root' | 'sudo' | 'sudo_password'}`)
      : (become ?? '—');

  return (
    <Drawer open size={720} title={host ? t('hosts.detail.title', { name: host.name }) : ' '} onClose={onClose} extra={host && actions?.(host)} data-testid="host-detail">
      {query.isError ? (
        <QueryError error={query.error} />
      ) : !host ? (
        <Spin style={{ display: 'block', marginTop: 64 }} />
      ) : (
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Descriptions title={t('hosts.detail.connection')} column={1} size="small" bordered>
            <Descriptions.Item label={t('hosts.statusCol')}>
              <StatusTag host={host} />
            </Descriptions.Item>
            <Descriptions.Item label={t('hosts.detail.message')}>{host.status_message || '—'}</Descriptions.Item>
            <Descriptions.Item label={t('hosts.detail.checkedAt')}>{formatTime(host.checked_at) || t('hosts.detail.never')}</Descriptions.Item>
            <Descriptions.Item label={t('hosts.detail.sshAddress')}>
              <Typography.Text copyable>{`${host.ip}:${host.port}`}</Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('hosts.credential')}>{credentialName(host.credential_id)}</Descriptions.Item>
            <Descriptions.Item label={t('hosts.detail.become')}>{becomeLabel(host.become)}</Descriptions.Item>
            <Descriptions.Item label={t('hosts.detail.hostKey')}>
              <Space orientation="vertical" size={0}>
                <Typography.Text code>{host.host_key.fingerprint ?? '—'}</Typography.Text>
                {host.host_key.pending_fingerprint && (
                  <Typography.Text type="danger">
                    {t('hosts.detail.pendingKey')}: <Typography.Text code>{host.host_key.pending_fingerprint}</Typography.Text>
                  </Typography.Text>
                )}
              </Space>
            </Descriptions.Item>
            <Descriptions.Item label={t('hosts.cluster')}>{host.cluster_id ?? <Tag>{t('hosts.free')}</Tag>}</Descriptions.Item>
            <Descriptions.Item label={t('hosts.detail.createdAt')}>{formatTime(host.created_at)}</Descriptions.Item>
          </Descriptions>

          {!facts ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hosts.detail.noFacts')} />
          ) : (
            <>
              <Descriptions
                title={t('hosts.detail.facts')}
                extra={host.facts_at && <Typography.Text type="secondary">{t('hosts.detail.factsAt', { time: formatTime(host.facts_at) })}</Typography.Text>}
                column={1}
                size="small"
                bordered
              >
                <Descriptions.Item label={t('hosts.os')}>
                  <Space orientation="vertical" size={0}>
                    <span>
                      {facts.os?.name ?? t('hosts.unknown')}{' '}
                      {facts.os?.supported ? (
                        <Tag color="green">{t('hosts.detail.osSupported')}</Tag>
                      ) : (
                        <Tag color="red">{t('hosts.unsupported')}</Tag>
                      )}
                    </span>
                    {facts.os?.unsupported_reason && <Typography.Text type="danger">{facts.os.unsupported_reason}</Typography.Text>}
                  </Space>
                </Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.kernel')}>{facts.kernel ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.arch')}>{facts.arch ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.hostname')}>{facts.hostname ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.cpus')}>{facts.cpus ?? '—'}</Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.memory')}>
                  {facts.memory_bytes == null
                    ? '—'
                    : facts.memory_available_bytes == null
                      ? formatBytes(facts.memory_bytes)
                      : t('hosts.detail.memoryValue', { total: formatBytes(facts.memory_bytes), available: formatBytes(facts.memory_available_bytes) })}
                </Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.swap')}>
                  {facts.swap_on ? (
                    <Warn hint={t('hosts.detail.swapHint')}>{t('hosts.detail.swapOn', { size: formatBytes(facts.swap_bytes ?? 0) })}</Warn>
                  ) : (
                    t('hosts.detail.swapOff')
                  )}
                </Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.timeOffset')}>
                  {facts.time_offset_ms == null ? (
                    '—'
                  ) : Math.abs(facts.time_offset_ms) > TIME_OFFSET_WARN_MS ? (
                    <Warn hint={t('hosts.detail.timeOffsetHint')}>{t('hosts.detail.timeOffsetValue', { ms: facts.time_offset_ms })}</Warn>
                  ) : (
                    t('hosts.detail.timeOffsetValue', { ms: facts.time_offset_ms })
                  )}
                </Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.rootFree')}>{formatBytes(facts.root_free_bytes) || '—'}</Descriptions.Item>
                <Descriptions.Item label={t('hosts.detail.varFree')}>{formatBytes(facts.var_free_bytes) || '—'}</Descriptions.Item>
              </Descriptions>

              <div>
                <Typography.Title level={5}>{t('hosts.detail.portsInUse')}</Typography.Title>
                {facts.ports_in_use.length === 0 ? (
                  <Typography.Text type="success">{t('hosts.detail.portsNone')}</Typography.Text>
                ) : (
                  <>
                    <Alert type="warning" showIcon title={t('hosts.detail.portsHint')} style={{ marginBottom: 8 }} />
                    <Table<PortInUse>
                      size="small"
                      rowKey={(p) => `${p.protocol}/${p.port}`}
                      pagination={false}
                      dataSource={facts.ports_in_use}
                      data-testid="host-ports"
                      columns={[
                        { title: t('hosts.detail.port'), dataIndex: 'port', width: 90 },
                        { title: t('hosts.detail.protocol'), dataIndex: 'protocol', width: 90, render: (v: string) => v.toUpperCase() },
                        { title: t('hosts.detail.purpose'), dataIndex: 'purpose' },
                      ]}
                    />
                  </>
                )}
              </div>

              <div>
                <Typography.Title level={5}>{t('hosts.detail.disks')}</Typography.Title>
                <Table<Disk>
                  size="small"
                  rowKey="name"
                  pagination={false}
                  dataSource={facts.disks}
                  columns={[
                    { title: t('hosts.detail.disk'), dataIndex: 'name', render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
                    { title: t('hosts.detail.size'), dataIndex: 'size_bytes', render: (v: number) => formatBytes(v) },
                  ]}
                />
              </div>

              <div>
                <Typography.Title level={5}>{t('hosts.detail.addresses')}</Typography.Title>
                <Table<Address>
                  size="small"
                  rowKey={(a) => `${a.interface}/${a.address}`}
                  pagination={false}
                  dataSource={facts.addresses}
                  columns={[
                    { title: t('hosts.detail.interface'), dataIndex: 'interface', width: 140 },
                    { title: t('hosts.address'), key: 'address', render: (_, a) => `${a.address}/${a.prefix}` },
                  ]}
                />
              </div>
            </>
          )}
        </Space>
      )}
    </Drawer>
  );
}
