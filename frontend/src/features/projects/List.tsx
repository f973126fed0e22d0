import { DeleteOutlined, EditOutlined, PlusOutlined, TeamOutlined } from '@ant-design/icons';
import { App, Button, Card, Popconfirm, Space, Table, Tag, type TableColumnsType } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { QueryError } from '../../app/QueryError';
import { useFormatTime } from '../../app/format';
import { isAdmin, type Role } from '../../app/permissions';
import { useProjects, type Project } from '../../app/project';
import { useDeleteProject } from './api';
import { ProjectForm } from './ProjectForm';

export function RoleTag({ role }: { role: string | null | undefined }) {
  const { t } = useTranslation();
  if (!role) return null;
  const color = role === 'admin' ? 'gold' : role === 'project-manager' ? 'blue' : 'default';
  return <Tag color={color}>{t(`roles.${role as Role}`)}</Tag>;
}

export default function ProjectList() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const admin = isAdmin(useMe().data);
  const formatTime = useFormatTime();
  const list = useProjects();
  const remove = useDeleteProject();
  const [formOpen, setFormOpen] = useState(false);
  const [editing, setEditing] = useState<Project | undefined>();

  const columns: TableColumnsType<Project> = [
    { title: t('projects.name'), dataIndex: 'name', render: (name: string, p) => <Link to={`/admin/projects/${p.id}/members`}>{name}</Link> },
    { title: t('common.description'), dataIndex: 'description' },
    { title: t('projects.myRole'), dataIndex: 'my_role', render: (role: string | null) => <RoleTag role={role} /> },
    { title: t('common.createdAt'), dataIndex: 'created_at', render: (v: string) => formatTime(v) },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 200,
      render: (_, p) => (
        <Space>
          <Link to={`/admin/projects/${p.id}/members`} data-testid={`members-${p.name}`}>
            <TeamOutlined /> {t('projects.members')}
          </Link>
          {admin && (
            <>
              <Button
                size="small"
                type="text"
                icon={<EditOutlined />}
                aria-label={t('common.edit')}
                onClick={() => {
                  setEditing(p);
                  setFormOpen(true);
                }}
              />
              <Popconfirm
                title={t('projects.deleteConfirm', { name: p.name })}
                okText={t('common.delete')}
                cancelText={t('common.cancel')}
                okButtonProps={{ danger: true }}
                onConfirm={() =>
                  remove.mutateAsync(p.id).then(
                    () => void message.success(t('projects.deleted', { name: p.name })),
                    (error: unknown) => void message.error(describeError(t, error)),
                  )
                }
              >
                <Button size="small" type="text" danger icon={<DeleteOutlined />} aria-label={t('common.delete')} />
              </Popconfirm>
            </>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Card
      title={t('projects.title')}
      extra={
        admin && (
          <Button
            type="primary"
            icon={<PlusOutlined />}
            onClick={() => {
              setEditing(undefined);
              setFormOpen(true);
            }}
          >
            {t('projects.create')}
          </Button>
        )
      }
    >
      {list.isError ? (
        <QueryError error={list.error} />
      ) : (
        <Table<Project> rowKey="id" loading={list.isLoading} columns={columns} dataSource={list.data?.items} pagination={false} />
      )}
      {admin && formOpen && <ProjectForm project={editing} onClose={() => setFormOpen(false)} />}
    </Card>
  );
}
