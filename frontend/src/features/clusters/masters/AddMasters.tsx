import { ClusterOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Modal, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { HoverTooltip } from '../../../app/HoverTooltip';
import { useMe } from '../../../app/auth';
import { describeError } from '../../../app/errors';
import { useHosts, type Host } from '../../hosts/api';
import { formatBytes, readFacts } from '../../hosts/facts';
import { StatusTag } from '../../hosts/StatusTag';
import { useAddMasters, type Cluster } from '../api';
import type { Unsuitable } from '../create/spec';
import { useUnsuitableText } from '../create/useUnsuitableText';
import { mapErrors, workersBlocked, type WorkerErrors } from '../workers/workers';
import { MASTER_MIN_CPUS, MAX_MASTERS_AT_ONCE, masterCandidates, masterUnsuitable, mastersOf, tolerates, toMastersBody } from './masters';

type Props = { cluster: Pick<Cluster, 'id' | 'name' | 'project_id' | 'status' | 'operation' | 'nodes'> };

/** "Add masters" beside "Add workers": the same people, the same gating (the reason in a tooltip). */
export function AddMasters({ cluster }: Props) {
  const { t } = useTranslation();
  const me = useMe().data;
  const [open, setOpen] = useState(false);
  const blocked = workersBlocked(me, cluster);
  if (blocked === 'readOnly') return null;
  const button = (
    <Button icon={<ClusterOutlined />} disabled={!!blocked} onClick={() => setOpen(true)} data-testid="masters-add">
      {t('masters.add')}
    </Button>
  );
  return (
    <>
      {blocked ? <Tooltip title={t(`masters.${blocked}`)}>{button}</Tooltip> : button}
      {open && <AddMastersDialog cluster={cluster} onClose={() => setOpen(false)} />}
    </>
  );
}

/**
 * The hosts that may become masters (the others shown disabled, why in a tooltip and beside them),
 * what etcd then tolerates, and the API's refusals on their hosts or above them. Opens the live operation.
 */
export function AddMastersDialog({ cluster, onClose }: Props & { onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const unsuitableText = useUnsuitableText();
  const hosts = useHosts({ projectId: cluster.project_id, limit: 500, offset: 0 });
  const add = useAddMasters();
  const [chosen, setChosen] = useState<string[]>([]);
  const [errors, setErrors] = useState<WorkerErrors | null>(null);

  const offered = masterCandidates(hosts.data?.items ?? [], cluster.id);
  const full = chosen.length >= MAX_MASTERS_AT_ONCE;
  const masters = mastersOf(cluster.nodes).length + chosen.length;
  const reasonText = (why: Unsuitable) =>
    why.reason === 'fewCpus' ? t('wizard.hosts.fewCpus', { cpus: why.cpus, min: MASTER_MIN_CPUS }) : unsuitableText(why);

  const toggle = (host: Host, on: boolean) => {
    setErrors((e) => (e?.hosts[host.id] ? { ...e, hosts: Object.fromEntries(Object.entries(e.hosts).filter(([id]) => id !== host.id)) } : e));
    setChosen((c) => (on ? [...c, host.id] : c.filter((id) => id !== host.id)));
  };

  const submit = () => {
    setErrors(null);
    add.mutate(
      { id: cluster.id, body: toMastersBody(chosen) },
      {
        onSuccess: (result) => {
          onClose();
          void message.success(t('masters.adding', { name: cluster.name }));
          if (result.operation) void navigate(`/clusters/${cluster.id}/operations/${result.operation.id}`);
        },
        onError: (e) =>
          setErrors(
            mapErrors(
              e,
              chosen.map((host_id) => ({ host_id, labels: [], taints: [] })),
              (x) => describeError(t, x),
            ),
          ),
      },
    );
  };

  const columns: TableColumnsType<Host> = [
    {
      key: 'choose',
      width: 48,
      render: (_, h) => {
        const why = masterUnsuitable(h);
        const on = chosen.includes(h.id);
        const box = (
          <Checkbox
            checked={on}
            disabled={!!why || (full && !on)}
            onChange={(e) => toggle(h, e.target.checked)}
            aria-label={t('masters.chooseHost', { name: h.name })}
            data-testid={`master-host-${h.name}`}
          />
        );
        const tip = why ? reasonText(why) : full && !on ? t('masters.atMost', { max: MAX_MASTERS_AT_ONCE }) : null;
        return tip ? <HoverTooltip title={tip}>{box}</HoverTooltip> : box;
      },
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
        if (f?.cpus == null) return '—';
        return (
          <Typography.Text type={f.cpus < MASTER_MIN_CPUS ? 'danger' : undefined} data-testid={`master-cpus-${h.name}`}>
            {`${t('hosts.cpus', { count: f.cpus })} · ${formatBytes(f.memory_bytes)}`}
          </Typography.Text>
        );
      },
    },
    {
      key: 'why',
      render: (_, h) => {
        const why = masterUnsuitable(h);
        return (
          <Space orientation="vertical" size={0}>
            {why && <Typography.Text type="secondary">{reasonText(why)}</Typography.Text>}
            {(errors?.hosts[h.id]?.host ?? []).map((e) => (
              <Typography.Text type="danger" key={e} data-testid={`master-error-${h.name}`}>
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
      width={880}
      title={t('masters.addTitle', { name: cluster.name })}
      okText={t('masters.submit')}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: !chosen.length, 'data-testid': 'masters-add-submit' }}
      confirmLoading={add.isPending}
      onOk={submit}
      onCancel={onClose}
    >
      <Space orientation="vertical" style={{ width: '100%' }}>
        {errors?.banner.map((e) => <Alert key={e} type="error" showIcon title={e} data-testid="masters-add-error" />)}
        <Typography.Paragraph style={{ marginBottom: 0 }}>{t('masters.addIntro', { name: cluster.name, min: MASTER_MIN_CPUS })}</Typography.Paragraph>
        <Alert type="info" showIcon title={t('masters.etcdOneByOne')} data-testid="masters-etcd" />
        <Space wrap>
          <Tag color={chosen.length ? 'blue' : 'default'}>{chosen.length ? t('masters.chosen', { count: chosen.length }) : t('masters.choose')}</Tag>
          {chosen.length > 0 && (
            <Typography.Text type={masters % 2 ? 'secondary' : 'warning'} data-testid="masters-after">
              {t('masters.after', { count: masters, tolerates: tolerates(masters) })}
            </Typography.Text>
          )}
        </Space>
        <Table<Host>
          rowKey="id"
          size="small"
          data-testid="masters-hosts"
          loading={hosts.isLoading}
          columns={columns}
          dataSource={offered}
          pagination={false}
          scroll={{ y: 320 }}
          rowClassName={(h) => (masterUnsuitable(h) ? 'ko-row-disabled' : '')}
          locale={{
            emptyText: (
              <Typography.Text type="secondary">
                {t('masters.noHosts')} <Link to="/inventory/hosts">{t('nav.hosts')}</Link>
              </Typography.Text>
            ),
          }}
        />
      </Space>
    </Modal>
  );
}
