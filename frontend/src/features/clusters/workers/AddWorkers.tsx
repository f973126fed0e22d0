import { PlusOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Modal, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { useHosts, type Host } from '../../hosts/api';
import { formatBytes, readFacts } from '../../hosts/facts';
import { StatusTag } from '../../hosts/StatusTag';
import { useAddWorkers, type Cluster } from '../api';
import { unsuitable } from '../create/spec';
import { useUnsuitableText } from '../create/useUnsuitableText';
import { provisioningOf } from '../vms/provisioning';
import { AddVmWorkersDialog } from './AddVmWorkers';
import { NodeSettings } from './NodeSettings';
import { candidates, checkDrafts, mapErrors, problemErrors, toBody, workersBlocked, type WorkerDraft, type WorkerErrors } from './workers';

type Props = { cluster: Pick<Cluster, 'id' | 'name' | 'project_id' | 'status' | 'operation' | 'spec'> };

/**
 * "Add workers" on the nodes list: hidden from those who cannot write, disabled (the reason in a
 * tooltip) unless the cluster is running with no operation under way. The dialog mounts when opened:
 * a cluster planned from a plan is asked how many new VMs, any other which hosts.
 */
export function AddWorkers({ cluster }: Props) {
  const { t } = useTranslation();
  const me = useMe().data;
  const [open, setOpen] = useState(false);
  const blocked = workersBlocked(me, cluster);
  if (blocked === 'readOnly') return null;
  const button = (
    <Button type="primary" icon={<PlusOutlined />} disabled={!!blocked} onClick={() => setOpen(true)} data-testid="workers-add">
      {t('workers.add')}
    </Button>
  );
  return (
    <>
      {blocked ? <Tooltip title={t(`workers.${blocked}`)}>{button}</Tooltip> : button}
      {open &&
        (provisioningOf(cluster) ? (
          <AddVmWorkersDialog cluster={cluster} onClose={() => setOpen(false)} />
        ) : (
          <AddWorkersDialog cluster={cluster} onClose={() => setOpen(false)} />
        ))}
    </>
  );
}

/** The hosts that may join (others shown disabled, with why), each chosen one with its labels and taints. */
export function AddWorkersDialog({ cluster, onClose }: Props & { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const reasonText = useUnsuitableText();
  const hosts = useHosts({ projectId: cluster.project_id, limit: 500, offset: 0 });
  const add = useAddWorkers();
  const [drafts, setDrafts] = useState<WorkerDraft[]>([]);
  const [errors, setErrors] = useState<WorkerErrors | null>(null);

  const offered = candidates(hosts.data?.items ?? [], cluster.id);
  const nameOf = new Map(offered.map((h) => [h.id, h.name]));
  const chosen = new Set(drafts.map((d) => d.host_id));

  // A host's errors go once it is edited: they were about what it was.
  const forget = (hostIds: string[]) =>
    setErrors((e) => {
      if (!e || !hostIds.some((id) => e.hosts[id])) return e;
      const next = { ...e.hosts };
      hostIds.forEach((id) => delete next[id]);
      return { ...e, hosts: next };
    });
  const toggle = (host: Host, on: boolean) => {
    forget([host.id]);
    setDrafts((d) => (on ? [...d, { host_id: host.id, labels: [], taints: [] }] : d.filter((x) => x.host_id !== host.id)));
  };
  const change = (draft: WorkerDraft) => {
    forget([draft.host_id]);
    setDrafts((d) => d.map((x) => (x.host_id === draft.host_id ? draft : x)));
  };
  const copyToAll = (from: WorkerDraft) => {
    forget(drafts.map((d) => d.host_id));
    setDrafts((d) => d.map((x) => ({ ...x, labels: from.labels.map((r) => ({ ...r })), taints: from.taints.map((r) => ({ ...r })) })));
  };

  const submit = () => {
    const local = problemErrors(checkDrafts(drafts), (p) => (p.problem === 'keyTwice' ? t('workers.keyTwice', { key: p.key }) : t('workers.keyRequired')));
    setErrors(local);
    if (local) return;
    add.mutate(
      { id: cluster.id, body: toBody(drafts) },
      {
        onSuccess: (result) => {
          onClose();
          void message.success(t('workers.adding', { name: cluster.name }));
          if (result.operation) void navigate(`/clusters/${cluster.id}/operations/${result.operation.id}`);
        },
        onError: (e) => setErrors(mapErrors(e, drafts, (x) => describeError(t, x))),
      },
    );
  };

  const columns: TableColumnsType<Host> = [
    {
      key: 'choose',
      width: 48,
      render: (_, h) => (
        <Checkbox
          checked={chosen.has(h.id)}
          disabled={!!unsuitable(h)}
          onChange={(e) => toggle(h, e.target.checked)}
          aria-label={t('workers.chooseHost', { name: h.name })}
          data-testid={`worker-host-${h.name}`}
        />
      ),
    },
    {
      title: t('hosts.name'),
      dataIndex: 'name',
      render: (name: string, h) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{name}</Typography.Text>
          <Typography.Text type="secondary">{h.ip}</Typography.Text>
        </Space>
      ),
    },
    { title: t('hosts.statusCol'), key: 'status', render: (_, h) => <StatusTag host={h} /> },
    {
      title: t('hosts.resources'),
      key: 'resources',
      render: (_, h) => {
        const f = readFacts(h);
        return f?.cpus != null ? `${t('hosts.cpus', { count: f.cpus })} · ${formatBytes(f.memory_bytes)}` : '—';
      },
    },
    {
      key: 'why',
      render: (_, h) => {
        const why = unsuitable(h);
        return (
          <Space orientation="vertical" size={0}>
            {why && <Typography.Text type="secondary">{reasonText(why)}</Typography.Text>}
            {(errors?.hosts[h.id]?.host ?? []).map((e) => (
              <Typography.Text type="danger" key={e} data-testid={`worker-error-${h.name}`}>
                {e}
              </Typography.Text>
            ))}
          </Space>
        );
      },
    },
  ];

  return (
    <Modal
      open
      width={960}
      title={t('workers.addTitle', { name: cluster.name })}
      okText={t('workers.submit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !drafts.length, 'data-testid': 'workers-add-submit' }}
      confirmLoading={add.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {errors?.banner.map((e) => <Alert key={e} type="error" showIcon title={e} data-testid="workers-add-error" />)}
        <Typography.Paragraph style={{ marginBottom: 0 }}>{t('workers.addIntro', { name: cluster.name })}</Typography.Paragraph>
        <Tag color={drafts.length ? 'blue' : 'default'}>{drafts.length ? t('workers.chosen', { count: drafts.length }) : t('workers.choose')}</Tag>
        <Table<Host>
          rowKey="id"
          size="small"
          data-testid="workers-hosts"
          loading={hosts.isLoading}
          columns={columns}
          dataSource={offered}
          pagination={false}
          scroll={{ y: 320 }}
          rowClassName={(h) => (unsuitable(h) ? 'ko-row-disabled' : '')}
          locale={{
            emptyText: (
              <Typography.Text type="secondary">
                {t('workers.noHosts')} <Link to="/inventory/hosts">{t('nav.hosts')}</Link>
              </Typography.Text>
            ),
          }}
        />
        {drafts.map((d) => (
          <NodeSettings
            key={d.host_id}
            name={nameOf.get(d.host_id) ?? d.host_id}
            draft={d}
            errors={errors?.hosts[d.host_id]}
            onChange={change}
            onCopyToAll={drafts.length > 1 ? () => copyToAll(d) : undefined}
          />
        ))}
      </Space>
    </Modal>
  );
}
