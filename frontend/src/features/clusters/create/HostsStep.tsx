import { Alert, Radio, Space, Table, Tag, Tooltip, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Host } from '../../hosts/api';
import { formatBytes, readFacts } from '../../hosts/facts';
import { StatusTag } from '../../hosts/StatusTag';
import { MASTERS, unsuitable, type Nodes, type Role, type Topology } from './spec';
import { useUnsuitableText } from './useUnsuitableText';

interface Props {
  hosts: Host[];
  loading: boolean;
  topology: Topology;
  nodes: Nodes;
  onChange: (nodes: Nodes) => void;
  hostErrors: Record<string, string[]>;
  nodesErrors: string[];
}

/** Inventory hosts of the project with a role each; unsuitable ones are shown, disabled, with the reason. */
export function HostsStep({ hosts, loading, topology, nodes, onChange, hostErrors, nodesErrors }: Props) {
  const { t } = useTranslation();
  const reasonText = useUnsuitableText();
  const roleOf = new Map(nodes.map((n) => [n.host_id, n.role]));
  const masters = nodes.filter((n) => n.role === 'master').length;
  const workers = nodes.length - masters;
  const want = MASTERS[topology];

  const setRole = (host: Host, role: Role | 'none') => {
    const rest = nodes.filter((n) => n.host_id !== host.id);
    onChange(role === 'none' ? rest : [...rest, { host_id: host.id, role }]);
  };

  const columns: TableColumnsType<Host> = [
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
      title: t('hosts.os'),
      key: 'os',
      render: (_, h) => {
        const os = readFacts(h)?.os;
        return os ? (os.name ?? os.id) : <Typography.Text type="secondary">{t('hosts.unknown')}</Typography.Text>;
      },
    },
    {
      title: t('hosts.resources'),
      key: 'resources',
      render: (_, h) => {
        const f = readFacts(h);
        return f?.cpus != null ? `${t('hosts.cpus', { count: f.cpus })} · ${formatBytes(f.memory_bytes)}` : '—';
      },
    },
    {
      title: t('wizard.hosts.role'),
      key: 'role',
      width: 320,
      render: (_, h) => {
        const why = unsuitable(h);
        const errors = hostErrors[h.id] ?? [];
        return (
          <Space orientation="vertical" size={2} style={{ width: '100%' }}>
            <Radio.Group
              size="small"
              optionType="button"
              value={roleOf.get(h.id) ?? 'none'}
              disabled={!!why}
              onChange={(e) => setRole(h, e.target.value as Role | 'none')}
              aria-label={t('wizard.hosts.roleOf', { name: h.name })}
              data-testid={`node-role-${h.name}`}
              data-disabled={why ? 'true' : undefined}
              options={[
                { value: 'none', label: t('wizard.hosts.notUsed') },
                { value: 'master', label: t('wizard.hosts.master') },
                { value: 'worker', label: t('wizard.hosts.worker') },
              ]}
            />
            {why && (
              <Typography.Text type="secondary" data-testid={`node-unsuitable-${h.name}`}>
                {reasonText(why)}
              </Typography.Text>
            )}
            {errors.map((e) => (
              <Typography.Text type="danger" key={e} data-testid={`node-error-${h.name}`}>
                {e}
              </Typography.Text>
            ))}
          </Space>
        );
      },
    },
  ];

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space wrap>
        <Tooltip title={t('wizard.hosts.mastersHint', { count: want })}>
          <Tag color={masters === want ? 'green' : 'orange'} data-testid="masters-count">
            {t('wizard.hosts.mastersChosen', { count: masters, want })}
          </Tag>
        </Tooltip>
        <Tag>{t('wizard.hosts.workersChosen', { count: workers })}</Tag>
      </Space>
      {nodesErrors.map((e) => (
        <Alert key={e} type="error" showIcon title={e} data-testid="nodes-error" />
      ))}
      <Table<Host>
        rowKey="id"
        size="small"
        data-testid="wizard-hosts"
        loading={loading}
        columns={columns}
        dataSource={hosts}
        pagination={false}
        rowClassName={(h) => (unsuitable(h) ? 'ko-row-disabled' : '')}
        locale={{
          emptyText: (
            <Typography.Text type="secondary">
              {t('wizard.hosts.none')} <Link to="/inventory/hosts">{t('nav.hosts')}</Link>
            </Typography.Text>
          ),
        }}
      />
    </Space>
  );
}
