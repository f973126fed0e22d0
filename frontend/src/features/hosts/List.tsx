import {
  CloudUploadOutlined,
  DeleteOutlined,
  EditOutlined,
  KeyOutlined,
  PlusOutlined,
  SyncOutlined,
} from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Input, Popconfirm, Select, Space, Spin, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { isAdmin } from '../../app/permissions';
import { useCurrentProject } from '../../app/project';
import { QueryError } from '../../app/QueryError';
import { useCredentials } from '../credentials/api';
import {
  HOST_STATUSES,
  useCheckHost,
  useCheckHosts,
  useDeleteHost,
  useHosts,
  type CheckReport,
  type Host,
  type HostStatus,
} from './api';
import { AcceptHostKey } from './AcceptHostKey';
import { formatBytes, readFacts } from './facts';
import { HostDetail } from './HostDetail';
import { HostForm } from './HostForm';
import { ImportHosts } from './ImportHosts';
import { StatusTag } from './StatusTag';

const PAGE_SIZE = 20;
type Membership = 'free' | 'used';
type Dialog = { kind: 'add' } | { kind: 'edit'; host: Host } | { kind: 'import' } | { kind: 'hostKey'; host: Host } | null;

export default function HostList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const admin = isAdmin(useMe().data);
  const current = useCurrentProject();
  const projectId = current.project?.id;
  const writer = current.canWrite;

  const [q, setQ] = useState('');
  const [status, setStatus] = useState<HostStatus | undefined>();
  const [membership, setMembership] = useState<Membership | undefined>();
  const [page, setPage] = useState(1);
  const [dialog, setDialog] = useState<Dialog>(null);
  // `?host=<id>` opens that host's details (a cluster's VMs link here).
  const [params] = useSearchParams();
  const [detailId, setDetailId] = useState<string | null>(() => params.get('host'));
  // Selection belongs to the project it was made in: switching project drops it.
  const [selection, setSelection] = useState<{ projectId?: string; ids: string[] }>({ ids: [] });
  const selected = selection.projectId === projectId ? selection.ids : [];
  const [checking, setChecking] = useState<Set<string>>(new Set());
  const [report, setReport] = useState<CheckReport | null>(null);

  const filtered = !!(q || status || membership);
  const list = useHosts(
    {
      projectId,
      q,
      status,
      available: membership === undefined ? undefined : membership === 'free',
      limit: PAGE_SIZE,
      offset: (page - 1) * PAGE_SIZE,
    },
    !!projectId,
  );
  const credentials = useCredentials({ projectId, limit: 200, offset: 0 }, !!projectId);
  const credentialName = (id: string) => credentials.data?.items.find((c) => c.id === id)?.name ?? id;
  const checkOne = useCheckHost();
  const checkMany = useCheckHosts();
  const remove = useDeleteHost();

  const filter =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPage(1);
    };

  const markChecking = (ids: string[], on: boolean) =>
    setChecking((prev) => {
      const next = new Set(prev);
      ids.forEach((id) => (on ? next.add(id) : next.delete(id)));
      return next;
    });

  const check = (host: Host) => {
    markChecking([host.id], true);
    checkOne.mutate(host.id, {
      onSuccess: (checked) => {
        const text = t('hosts.checkedOne', { name: checked.name, status: t(`hosts.status.${checked.status}`) });
        if (checked.status === 'ready') void message.success(text);
        else void message.warning(`${text} ${checked.status_message}`);
      },
      onError: (error) => void message.error(describeError(t, error)),
      onSettled: () => markChecking([host.id], false),
    });
  };

  const checkBulk = (ids: string[] | 'all') => {
    if (!projectId) return;
    const visible = list.data?.items.map((h) => h.id) ?? [];
    const marked = ids === 'all' ? visible : ids;
    setReport(null);
    markChecking(marked, true);
    checkMany.mutate(ids === 'all' ? { project_id: projectId } : { host_ids: ids }, {
      onSuccess: (result) => {
        setReport(result);
        setSelection({ ids: [] });
      },
      onError: (error) => void message.error(describeError(t, error)),
      onSettled: () => markChecking(marked, false),
    });
  };
  // "Check all" covers the whole project, whatever the filters show.
  const bulkCount = checkMany.variables?.host_ids?.length;

  const columns: TableColumnsType<Host> = [
    {
      title: t('hosts.name'),
      dataIndex: 'name',
      render: (name: string, h) => (
        <Button type="link" style={{ padding: 0 }} onClick={() => setDetailId(h.id)} data-testid={`host-open-${name}`}>
          {name}
        </Button>
      ),
    },
    {
      title: t('hosts.statusCol'),
      dataIndex: 'status',
      render: (_, h) => (checking.has(h.id) ? <Spin size="small" data-testid="host-checking" /> : <StatusTag host={h} />),
    },
    { title: t('hosts.address'), key: 'address', render: (_, h) => <Typography.Text>{`${h.ip}:${h.port}`}</Typography.Text> },
    {
      title: t('hosts.os'),
      key: 'os',
      render: (_, h) => {
        const os = readFacts(h)?.os;
        if (!os) return <Typography.Text type="secondary">{t('hosts.unknown')}</Typography.Text>;
        return (
          <Space size={4} wrap>
            <span>{os.name ?? os.id ?? t('hosts.unknown')}</span>
            {os.supported === false && (
              <Tooltip title={os.unsupported_reason}>
                <Tag color="red">{t('hosts.unsupported')}</Tag>
              </Tooltip>
            )}
          </Space>
        );
      },
    },
    {
      title: t('hosts.resources'),
      key: 'resources',
      render: (_, h) => {
        const facts = readFacts(h);
        if (!facts || facts.cpus == null) return <Typography.Text type="secondary">—</Typography.Text>;
        return `${t('hosts.cpus', { count: facts.cpus })} · ${formatBytes(facts.memory_bytes)}`;
      },
    },
    {
      title: t('hosts.cluster'),
      dataIndex: 'cluster_id',
      render: (cluster: string | null) => (cluster ? <Tag color="blue">{cluster}</Tag> : <Typography.Text type="secondary">{t('hosts.free')}</Typography.Text>),
    },
  ];

  const hostActions = (h: Host, withLabels = false): ReactNode => (
    <Space size={withLabels ? 'small' : 0} wrap>
      {admin && h.host_key.pending_fingerprint && (
        <Tooltip title={withLabels ? undefined : t('hosts.hostKey.accept')}>
          <Button
            size="small"
            type={withLabels ? 'default' : 'text'}
            danger
            icon={<KeyOutlined />}
            aria-label={t('hosts.hostKey.accept')}
            onClick={() => setDialog({ kind: 'hostKey', host: h })}
            data-testid="host-accept-key"
          >
            {withLabels && t('hosts.hostKey.accept')}
          </Button>
        </Tooltip>
      )}
      {writer && (
        <>
          <Tooltip title={withLabels ? undefined : t('hosts.check')}>
            <Button
              size="small"
              type={withLabels ? 'default' : 'text'}
              icon={<SyncOutlined spin={checking.has(h.id)} />}
              disabled={checking.has(h.id)}
              aria-label={t('hosts.check')}
              onClick={() => check(h)}
            >
              {withLabels && t('hosts.check')}
            </Button>
          </Tooltip>
          <Tooltip title={withLabels ? undefined : t('hosts.edit')}>
            <Button
              size="small"
              type={withLabels ? 'default' : 'text'}
              icon={<EditOutlined />}
              aria-label={t('hosts.edit')}
              onClick={() => setDialog({ kind: 'edit', host: h })}
            >
              {withLabels && t('hosts.edit')}
            </Button>
          </Tooltip>
          <Popconfirm
            title={t('hosts.deleteConfirm', { name: h.name })}
            okText={t('hosts.delete')}
            cancelText={t('common.cancel')}
            okButtonProps={{ danger: true }}
            disabled={!!h.cluster_id}
            onConfirm={() =>
              remove.mutateAsync(h.id).then(
                () => {
                  if (detailId === h.id) setDetailId(null);
                  void message.success(t('hosts.deleted', { name: h.name }));
                },
                (error: unknown) => void message.error(describeError(t, error)),
              )
            }
          >
            <Tooltip title={h.cluster_id ? t('hosts.inClusterNoDelete', { cluster: h.cluster_id }) : withLabels ? undefined : t('hosts.delete')}>
              <Button
                size="small"
                type={withLabels ? 'default' : 'text'}
                danger
                icon={<DeleteOutlined />}
                aria-label={t('hosts.delete')}
                disabled={!!h.cluster_id}
              >
                {withLabels && t('hosts.delete')}
              </Button>
            </Tooltip>
          </Popconfirm>
        </>
      )}
    </Space>
  );
  if (writer || admin) {
    columns.push({ title: t('common.actions'), key: 'actions', width: 150, render: (_, h) => hostActions(h) });
  }

  const noCredential = writer && credentials.isSuccess && credentials.data.total === 0;
  const empty = filtered ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hosts.emptyFiltered')} />
  ) : !writer ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hosts.emptyReader')} />
  ) : noCredential ? (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hosts.emptyNoCredential')} data-testid="hosts-empty">
      <Link to="/inventory/credentials">
        <Button type="primary" icon={<PlusOutlined />}>
          {t('hosts.createCredential')}
        </Button>
      </Link>
    </Empty>
  ) : (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('hosts.emptyWriter')} data-testid="hosts-empty">
      <Space>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'add' })}>
          {t('hosts.add')}
        </Button>
        <Button icon={<CloudUploadOutlined />} onClick={() => setDialog({ kind: 'import' })}>
          {t('hosts.import.open')}
        </Button>
      </Space>
    </Empty>
  );

  const hosts = list.data?.items ?? [];
  return (
    <Card
      title={t('hosts.title')}
      extra={
        writer && (
          <Space>
            <Button icon={<CloudUploadOutlined />} onClick={() => setDialog({ kind: 'import' })} data-testid="host-import">
              {t('hosts.import.open')}
            </Button>
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setDialog({ kind: 'add' })} data-testid="host-create">
              {t('hosts.add')}
            </Button>
          </Space>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('hosts.intro')}</Typography.Paragraph>
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : (
        <>
          <Space wrap style={{ marginBottom: 16, width: '100%', justifyContent: 'space-between' }}>
            <Space wrap>
              <Input.Search
                allowClear
                placeholder={t('hosts.search')}
                onSearch={(value) => filter(setQ)(value.trim())}
                style={{ width: 220 }}
                data-testid="host-search"
              />
              <Select<HostStatus>
                allowClear
                placeholder={t('hosts.anyStatus')}
                style={{ width: 180 }}
                value={status}
                onChange={filter(setStatus)}
                options={HOST_STATUSES.map((s) => ({ value: s, label: t(`hosts.status.${s}`) }))}
                data-testid="host-status-filter"
              />
              <Select<Membership>
                allowClear
                placeholder={t('hosts.anyCluster')}
                style={{ width: 180 }}
                value={membership}
                onChange={filter(setMembership)}
                options={[
                  { value: 'free', label: t('hosts.free') },
                  { value: 'used', label: t('hosts.inCluster') },
                ]}
              />
            </Space>
            {writer && (
              <Space>
                <Button
                  icon={<SyncOutlined />}
                  disabled={!selected.length || checkMany.isPending}
                  onClick={() => checkBulk(selected)}
                  data-testid="host-check-selected"
                >
                  {t('hosts.checkSelected', { count: selected.length })}
                </Button>
                <Button
                  icon={<SyncOutlined spin={checkMany.isPending} />}
                  disabled={!list.data?.total || checkMany.isPending}
                  onClick={() => checkBulk('all')}
                  data-testid="host-check-all"
                >
                  {t('hosts.checkAll')}
                </Button>
              </Space>
            )}
          </Space>
          {checkMany.isPending && (
            <Alert
              type="info"
              showIcon
              icon={<Spin size="small" />}
              title={bulkCount ? t('hosts.checking', { count: bulkCount }) : t('hosts.checkingAll')}
              description={t('hosts.checkingHint')}
              style={{ marginBottom: 16 }}
              data-testid="check-progress"
            />
          )}
          {report && (
            <Alert
              type={report.failed ? 'warning' : 'success'}
              showIcon
              closable={{ onClose: () => setReport(null) }}
              title={t('hosts.checkDone', { total: report.results.length, ready: report.ready, failed: report.failed })}
              description={
                report.failed > 0 && (
                  <ul style={{ margin: 0, paddingLeft: 20 }}>
                    {report.results
                      .filter((r) => r.status !== 'ready')
                      .map((r) => (
                        <li key={r.host_id}>
                          <Typography.Text strong>{r.name}</Typography.Text> ({r.ip}): {t(`hosts.status.${r.status}`)} — {r.status_message}
                        </li>
                      ))}
                  </ul>
                )
              }
              style={{ marginBottom: 16 }}
              data-testid="check-report"
            />
          )}
          {list.isError ? (
            <QueryError error={list.error} />
          ) : (
            <Table<Host>
              rowKey="id"
              data-testid="host-table"
              loading={list.isLoading || current.isLoading}
              columns={columns}
              dataSource={hosts}
              locale={{ emptyText: empty }}
              rowSelection={
                writer
                  ? { selectedRowKeys: selected, onChange: (keys) => setSelection({ projectId, ids: keys.map(String) }) }
                  : undefined
              }
              pagination={{ current: page, pageSize: PAGE_SIZE, total: list.data?.total ?? 0, onChange: setPage, hideOnSinglePage: true }}
            />
          )}
        </>
      )}
      {dialog?.kind === 'add' && projectId && <HostForm projectId={projectId} onClose={() => setDialog(null)} onSaved={(h) => void message.success(t('hosts.added', { name: h.name }))} />}
      {dialog?.kind === 'edit' && projectId && (
        <HostForm projectId={projectId} host={dialog.host} onClose={() => setDialog(null)} onSaved={(h) => void message.success(t('hosts.saved', { name: h.name }))} />
      )}
      {dialog?.kind === 'import' && projectId && <ImportHosts projectId={projectId} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'hostKey' && <AcceptHostKey host={dialog.host} onClose={() => setDialog(null)} />}
      {detailId && <HostDetail hostId={detailId} credentialName={credentialName} actions={(h) => hostActions(h, true)} onClose={() => setDetailId(null)} />}
    </Card>
  );
}
