import { ArrowLeftOutlined, DeleteOutlined, UserAddOutlined } from '@ant-design/icons';
import { App, Button, Card, Empty, Popconfirm, Select, Space, Table, Typography, type TableColumnsType } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { QueryError } from '../../app/QueryError';
import { canWrite } from '../../app/permissions';
import { AddMember } from './AddMember';
import { useMembers, useProject, useRemoveMember, useSetMember, type Member, type MemberRole } from './api';
import { RoleTag } from './List';

export default function Members() {
  const { projectId = '' } = useParams();
  const { t } = useTranslation();
  const { message } = App.useApp();
  const me = useMe().data;
  const project = useProject(projectId);
  const members = useMembers(projectId);
  const setMember = useSetMember(projectId);
  const removeMember = useRemoveMember(projectId);
  const [addOpen, setAddOpen] = useState(false);
  const writer = canWrite(me, projectId);
  const memberIds = useMemo(() => new Set((members.data ?? []).map((m) => m.user_id)), [members.data]);
  const fail = (error: unknown) => void message.error(describeError(t, error));

  const columns: TableColumnsType<Member> = [
    { title: t('users.username'), dataIndex: 'username' },
    { title: t('users.displayName'), dataIndex: 'display_name' },
    {
      title: t('members.role'),
      dataIndex: 'role',
      render: (role: MemberRole, m) =>
        writer ? (
          <Select<MemberRole>
            size="small"
            value={role}
            style={{ width: 180 }}
            onChange={(next) => setMember.mutate({ userId: m.user_id, role: next }, { onError: fail })}
            options={[
              { value: 'project-manager', label: t('roles.project-manager') },
              { value: 'read-only', label: t('roles.read-only') },
            ]}
          />
        ) : (
          <RoleTag role={role} />
        ),
    },
  ];
  if (writer) {
    columns.push({
      title: t('common.actions'),
      key: 'actions',
      width: 100,
      render: (_, m) => (
        <Popconfirm
          title={t('members.removeConfirm', { name: m.username })}
          okText={t('members.remove')}
          cancelText={t('common.cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={() =>
            removeMember.mutateAsync(m.user_id).then(
              () => void message.success(t('members.removed', { name: m.username })),
              fail,
            )
          }
        >
          <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('members.remove')} />
        </Popconfirm>
      ),
    });
  }

  return (
    <Card
      title={
        <Space>
          <Link to="/admin/projects" aria-label={t('common.back')}>
            <ArrowLeftOutlined />
          </Link>
          {t('members.title', { project: project.data?.name ?? '…' })}
        </Space>
      }
      extra={
        writer && (
          <Button type="primary" icon={<UserAddOutlined />} onClick={() => setAddOpen(true)} data-testid="member-add">
            {t('members.add')}
          </Button>
        )
      }
    >
      <Typography.Paragraph type="secondary">{t('members.intro')}</Typography.Paragraph>
      {project.isError || members.isError ? (
        <QueryError error={project.error ?? members.error} />
      ) : (
        <Table<Member>
          rowKey="user_id"
          data-testid="member-table"
          loading={members.isLoading}
          columns={columns}
          dataSource={members.data}
          pagination={false}
          locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={writer ? t('members.emptyAdmin') : t('members.empty')} /> }}
        />
      )}
      {writer && addOpen && <AddMember projectId={projectId} exclude={memberIds} onClose={() => setAddOpen(false)} />}
    </Card>
  );
}
