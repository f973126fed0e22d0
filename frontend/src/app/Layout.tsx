import {
  AlertOutlined,
  AuditOutlined,
  BellOutlined,
  CloudServerOutlined,
  ClusterOutlined,
  DashboardOutlined,
  DownOutlined,
  KeyOutlined,
  LogoutOutlined,
  ProjectOutlined,
  SaveOutlined,
  TeamOutlined,
  ThunderboltOutlined,
  UserOutlined,
} from '@ant-design/icons';
import { DeploymentUnitOutlined, EnvironmentOutlined, GlobalOutlined, InboxOutlined, NodeIndexOutlined, ProfileOutlined } from '@ant-design/icons';
import { useQueryClient } from '@tanstack/react-query';
import { Button, Dropdown, Layout, Menu, Space, Spin, Typography, type MenuProps } from 'antd';
import { Suspense, lazy, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { LanguageSwitch } from './LanguageSwitch';
import { LiveBadge } from '../live/LiveBadge';
import { useProjectEvents } from '../live/useProjectEvents';
import { logout, useMe } from './auth';
import { isAdmin } from './permissions';
import { useCurrentProject } from './project';
import { ProjectSwitch } from './ProjectSwitch';

const { Header, Sider, Content } = Layout;
// Its form (antd Form, Input, validators) is loaded when it opens, not with the console's first page.
const ChangePasswordModal = lazy(() => import('./ChangePasswordModal').then((m) => ({ default: m.ChangePasswordModal })));

export function AppLayout() {
  const { t } = useTranslation();
  const me = useMe().data;
  const admin = isAdmin(me);
  const location = useLocation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const current = useCurrentProject();
  const [passwordOpen, setPasswordOpen] = useState(false);
  const [collapsed, setCollapsed] = useState(false);
  // The side menu renders one frame after the page: its 13 antd items cost ~60 ms of the first
  // render on a 2-core machine, and the page (the rows one came for) shows that much sooner. The
  // sider itself is there from the start, so nothing moves when the items appear.
  const [menuShown, setMenuShown] = useState(false);
  useEffect(() => {
    const frame = requestAnimationFrame(() => setMenuShown(true));
    return () => cancelAnimationFrame(frame);
  }, []);
  useProjectEvents(current.project?.id);

  // Inventory and administration are groups, always shown (not collapsible submenus: those cost a
  // quarter of the first render and hid pages behind a click).
  const items: MenuProps['items'] = [
    { key: '/clusters', icon: <ClusterOutlined />, label: <Link to="/clusters">{t('clusters.nav')}</Link> },
    { key: '/events', icon: <ThunderboltOutlined />, label: <Link to="/events">{t('kubeEvents.nav')}</Link> },
    { key: '/', icon: <DashboardOutlined />, label: <Link to="/">{t('nav.overview')}</Link> },
    {
      key: 'inventory',
      type: 'group',
      label: t('nav.inventory'),
      children: [
        {
          key: '/inventory/credentials',
          icon: <KeyOutlined />,
          label: <Link to="/inventory/credentials">{t('nav.credentials')}</Link>,
        },
        {
          key: '/inventory/hosts',
          icon: <CloudServerOutlined />,
          label: <Link to="/inventory/hosts">{t('nav.hosts')}</Link>,
        },
        {
          key: '/inventory/regions',
          icon: <GlobalOutlined />,
          label: <Link to="/inventory/regions">{t('nav.regions')}</Link>,
        },
        {
          key: '/inventory/zones',
          icon: <EnvironmentOutlined />,
          label: <Link to="/inventory/zones">{t('nav.zones')}</Link>,
        },
        {
          key: '/inventory/plans',
          icon: <ProfileOutlined />,
          label: <Link to="/inventory/plans">{t('nav.plans')}</Link>,
        },
        {
          key: '/inventory/workspaces',
          icon: <DeploymentUnitOutlined />,
          label: <Link to="/inventory/workspaces">{t('workspaces.nav')}</Link>,
        },
        {
          key: '/inventory/ip-pools',
          icon: <NodeIndexOutlined />,
          label: <Link to="/inventory/ip-pools">{t('nav.ipPools')}</Link>,
        },
      ],
    },
    {
      key: 'project',
      type: 'group',
      label: t('nav.projectArea'),
      children: [
        { key: '/alerts', icon: <AlertOutlined />, label: <Link to="/alerts">{t('alerts.nav')}</Link> },
        {
          key: '/project/notification-channels',
          icon: <BellOutlined />,
          label: <Link to="/project/notification-channels">{t('nav.notificationChannels')}</Link>,
        },
      ],
    },
    {
      key: 'admin',
      type: 'group',
      label: t('nav.administration'),
      children: [
        admin && { key: '/admin/users', icon: <UserOutlined />, label: <Link to="/admin/users">{t('nav.users')}</Link> },
        {
          key: '/admin/projects',
          icon: <ProjectOutlined />,
          label: <Link to="/admin/projects">{t('nav.projects')}</Link>,
        },
        { key: '/admin/tokens', icon: <TeamOutlined />, label: <Link to="/admin/tokens">{t('nav.tokens')}</Link> },
        {
          key: '/admin/offline-packages',
          icon: <InboxOutlined />,
          label: <Link to="/admin/offline-packages">{t('nav.packages')}</Link>,
        },
        admin && { key: '/admin/audit', icon: <AuditOutlined />, label: <Link to="/admin/audit">{t('nav.audit')}</Link> },
        admin && {
          key: '/admin/backup-accounts',
          icon: <SaveOutlined />,
          label: <Link to="/admin/backup-accounts">{t('nav.backupAccounts')}</Link>,
        },
      ].filter((item) => !!item),
    },
  ];
  const selected = location.pathname.startsWith('/admin/projects')
    ? '/admin/projects'
    : location.pathname.startsWith('/clusters')
      ? '/clusters'
      : location.pathname === '/'
        ? '/'
        : location.pathname;

  const userMenu: MenuProps['items'] = [
    { key: 'password', icon: <KeyOutlined />, label: t('account.changePassword') },
    { type: 'divider' },
    { key: 'logout', icon: <LogoutOutlined />, label: t('account.logout'), danger: true },
  ];
  const onUserMenu: MenuProps['onClick'] = ({ key }) => {
    if (key === 'password') setPasswordOpen(true);
    if (key === 'logout') void logout(queryClient).finally(() => navigate('/login', { replace: true }));
  };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Sider breakpoint="lg" collapsedWidth={64} width={224} theme="dark" onCollapse={setCollapsed}>
        <div style={{ height: 56, display: 'flex', alignItems: 'center', padding: '0 20px' }}>
          <Typography.Text strong style={{ color: '#fff', fontSize: 16, whiteSpace: 'nowrap' }}>
            KubeOperator
          </Typography.Text>
        </div>
        {menuShown && (
          <Menu
            theme="dark"
            mode="inline"
            items={items}
            selectedKeys={[selected]}
            // Item titles as tooltips only when folded to icons: antd otherwise mounts a (closed)
            // tooltip per item, a fifth of the layout's first render.
            tooltip={collapsed ? undefined : false}
            data-testid="side-menu"
          />
        )}
      </Sider>
      <Layout>
        <Header
          style={{
            background: '#fff',
            padding: '0 24px',
            display: 'flex',
            alignItems: 'center',
            justifyContent: 'space-between',
            gap: 16,
            borderBottom: '1px solid #f0f0f0',
          }}
        >
          <Space>
            <Typography.Text type="secondary">{t('header.project')}</Typography.Text>
            <ProjectSwitch current={current} />
            {current.role && <Typography.Text type="secondary">{t(`roles.${current.role}`)}</Typography.Text>}
            <LiveBadge />
          </Space>
          <Space size="middle">
            <LanguageSwitch />
            <Dropdown menu={{ items: userMenu, onClick: onUserMenu }} trigger={['click']}>
              <Button type="text" data-testid="user-menu" icon={<UserOutlined />}>
                {me?.display_name || me?.username} <DownOutlined />
              </Button>
            </Dropdown>
          </Space>
        </Header>
        <Content style={{ padding: 24 }}>
          <Suspense fallback={<Spin style={{ display: 'block', marginTop: 64 }} />}>
            <Outlet />
          </Suspense>
        </Content>
      </Layout>
      {passwordOpen && (
        <Suspense fallback={null}>
          <ChangePasswordModal onClose={() => setPasswordOpen(false)} />
        </Suspense>
      )}
    </Layout>
  );
}
