import { Table, Tag, Typography, type TableColumnsType } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import type { Vm } from './api';
import { VmStatusTag } from './StatusTag';

const dash = (v: string | null) => v ?? <Typography.Text type="secondary">—</Typography.Text>;

/** A workspace's VMs: where each went, its address and provider id once made, and its inventory host once registered. */
export function VmTable({ vms, loading }: { vms: Vm[]; loading?: boolean }) {
  const { t } = useTranslation();
  const columns: TableColumnsType<Vm> = [
    { title: t('workspaces.vm.name'), dataIndex: 'name' },
    {
      title: t('wizard.hosts.role'),
      dataIndex: 'role',
      render: (role: Vm['role']) => <Tag color={role === 'master' ? 'blue' : 'default'}>{role === 'master' ? t('wizard.hosts.master') : t('wizard.hosts.worker')}</Tag>,
    },
    { title: t('workspaces.vm.zone'), dataIndex: 'zone_name' },
    { title: t('workspaces.vm.address'), dataIndex: 'address', render: dash },
    {
      title: t('workspaces.vm.providerId'),
      dataIndex: 'provider_id',
      render: (id: string | null) => (id ? <Typography.Text copyable={{ text: id }} ellipsis style={{ maxWidth: 220 }}>{id}</Typography.Text> : dash(id)),
    },
    {
      title: t('workspaces.vm.host'),
      dataIndex: 'host_id',
      render: (id: string | null, vm) =>
        id ? (
          <Link to={`/inventory/hosts?host=${encodeURIComponent(id)}`} data-testid={`vm-host-${vm.name}`}>
            {vm.name}
          </Link>
        ) : (
          <Typography.Text type="secondary">{t('workspaces.vm.notRegistered')}</Typography.Text>
        ),
    },
    { title: t('workspaces.vm.status'), dataIndex: 'status', render: (s: Vm['status']) => <VmStatusTag status={s} /> },
  ];
  return (
    <Table<Vm>
      rowKey="name"
      size="small"
      data-testid="workspace-vms"
      loading={loading}
      columns={columns}
      dataSource={vms}
      pagination={false}
      locale={{ emptyText: t('workspaces.vm.none') }}
    />
  );
}
