import { CheckCircleFilled, WarningFilled } from '@ant-design/icons';
import { useQuery } from '@tanstack/react-query';
import { Alert, Card, Col, Row, Space, Statistic, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, call } from '../../api';
import { useMe } from '../../app/auth';
import { QueryError } from '../../app/QueryError';
import { isAdmin } from '../../app/permissions';
import { useCurrentProject, useProjects } from '../../app/project';
import { useCredentials } from '../credentials/api';
import { ProjectDashboard } from './Dashboard';
import { useHealth, type ServiceHealth } from './health';

const KNOWN_SERVICES = ['gateway', 'inventory', 'provisioning', 'deployment', 'observability', 'backup'] as const;
type KnownService = (typeof KNOWN_SERVICES)[number];

function StatusTag({ status }: { status: string }) {
  const { t } = useTranslation();
  return status === 'ok' ? (
    <Tag color="success">{t('overview.ok')}</Tag>
  ) : (
    <Tag color="error">{t('overview.error')}</Tag>
  );
}

export default function Overview() {
  const { t } = useTranslation();
  const me = useMe().data;
  const admin = isAdmin(me);
  const current = useCurrentProject();
  const health = useHealth();
  const projects = useProjects();
  const projectCredentials = useCredentials({ projectId: current.project?.id, limit: 1, offset: 0 }, !!current.project);
  const allCredentials = useCredentials({ limit: 1, offset: 0 });
  const users = useQuery({
    queryKey: ['users', 'count'],
    queryFn: () => call(api.GET('/api/v1/users', { params: { query: { limit: 1 } } })),
    enabled: admin,
  });
  const tokens = useQuery({
    queryKey: ['tokens', 'count'],
    queryFn: () => call(api.GET('/api/v1/auth/tokens', { params: { query: { limit: 1 } } })),
  });

  const serviceName = (name: string) =>
    (KNOWN_SERVICES as readonly string[]).includes(name) ? t(`services.${name as KnownService}`) : name;
  const rows = Object.entries(health.data?.services ?? {}).map(([name, s]) => ({ name, ...s }));
  const healthy = health.data?.status === 'ok';

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('overview.title')}
      </Typography.Title>
      <ProjectDashboard />
      <Row gutter={[16, 16]}>
        <Col xs={12} md={8} xl={4}>
          <Card>
            <Statistic title={t('overview.projects')} value={projects.data?.total ?? '–'} loading={projects.isLoading} />
            <Link to="/admin/projects">{t('overview.view')}</Link>
          </Card>
        </Col>
        <Col xs={12} md={8} xl={5}>
          <Card>
            <Statistic
              title={t('overview.credentialsInProject', { project: current.project?.name ?? '–' })}
              value={projectCredentials.data?.total ?? '–'}
              loading={projectCredentials.isLoading}
            />
            <Link to="/inventory/credentials">{t('overview.view')}</Link>
          </Card>
        </Col>
        <Col xs={12} md={8} xl={5}>
          <Card>
            <Statistic title={t('overview.credentialsAll')} value={allCredentials.data?.total ?? '–'} loading={allCredentials.isLoading} />
            <Typography.Text type="secondary">{t('overview.acrossProjects')}</Typography.Text>
          </Card>
        </Col>
        {admin && (
          <Col xs={12} md={8} xl={5}>
            <Card>
              <Statistic title={t('overview.users')} value={users.data?.total ?? '–'} loading={users.isLoading} />
              <Link to="/admin/users">{t('overview.view')}</Link>
            </Card>
          </Col>
        )}
        <Col xs={12} md={8} xl={5}>
          <Card>
            <Statistic title={t('overview.myTokens')} value={tokens.data?.total ?? '–'} loading={tokens.isLoading} />
            <Link to="/admin/tokens">{t('overview.view')}</Link>
          </Card>
        </Col>
      </Row>
      <Card title={t('overview.health')} extra={<Typography.Text type="secondary">{t('overview.refreshes')}</Typography.Text>}>
        {health.isError && !health.data ? (
          <QueryError error={health.error} />
        ) : (
          <Space orientation="vertical" size="middle" style={{ width: '100%' }}>
            {health.data && (
              <Alert
                data-testid="health-status"
                data-status={health.data.status}
                type={healthy ? 'success' : 'warning'}
                showIcon
                icon={healthy ? <CheckCircleFilled /> : <WarningFilled />}
                title={healthy ? t('overview.allHealthy') : t('overview.degraded')}
              />
            )}
            <Table<ServiceHealth & { name: string }>
              rowKey="name"
              size="small"
              pagination={false}
              loading={health.isLoading}
              dataSource={rows}
              data-testid="health-table"
              columns={[
                { title: t('overview.service'), dataIndex: 'name', render: (name: string) => serviceName(name) },
                { title: t('overview.status'), dataIndex: 'status', render: (status: string) => <StatusTag status={status} /> },
                {
                  title: t('overview.checks'),
                  key: 'checks',
                  render: (_, s) =>
                    s.detail ? (
                      <Typography.Text type="danger">{s.detail}</Typography.Text>
                    ) : (
                      <Space size={4} wrap>
                        {Object.entries(s.checks ?? {}).map(([check, c]) => (
                          <Tag key={check} color={c.status === 'ok' ? 'green' : 'red'} title={c.detail}>
                            {check}
                          </Tag>
                        ))}
                      </Space>
                    ),
                },
              ]}
            />
          </Space>
        )}
      </Card>
    </Space>
  );
}
