import { Card, Empty, Select, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../app/auth';
import { canWrite } from '../../app/permissions';
import { useCurrentProject } from '../../app/project';
import { AlertTable } from './AlertTable';
import { ALL_PROJECTS, TABS, useAlertFilters, type Tab } from './filters';
import { RouteList } from './RouteList';
import { SilenceList } from './SilenceList';
import type { Scope } from './scope';

/**
 * The Alerts page: firing alerts, their history, silences and routes, of the project chosen in the
 * header (or another one, or all the caller may read). Writes are offered in projects the caller manages.
 */
export default function AlertsPage() {
  const { t } = useTranslation();
  const me = useMe().data;
  const current = useCurrentProject();
  const [filters, setFilters] = useAlertFilters();
  const all = filters.project === ALL_PROJECTS;
  const projectId = all ? undefined : (filters.project ?? current.project?.id);
  const writable = current.projects.filter((p) => canWrite(me, p.id));
  const scope: Scope = {
    projectId,
    ready: all || !!projectId,
    writable,
    canCreate: all ? writable.length > 0 : canWrite(me, projectId),
    canWriteIn: (id) => canWrite(me, id),
  };

  const tab = (key: Tab) => {
    if (!scope.ready) return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />;
    if (key === 'silences') return <SilenceList scope={scope} />;
    if (key === 'routes') return <RouteList scope={scope} />;
    return <AlertTable scope={scope} history={key === 'history'} />;
  };

  return (
    <Card
      title={t('alerts.title')}
      extra={
        <Space>
          <Typography.Text type="secondary">{t('alerts.project')}</Typography.Text>
          <Select
            style={{ width: 200 }}
            value={all ? ALL_PROJECTS : projectId}
            loading={current.isLoading}
            options={[{ value: ALL_PROJECTS, label: t('alerts.allProjects') }, ...current.projects.map((p) => ({ value: p.id, label: p.name }))]}
            // A cluster belongs to one project: the cluster filter goes with the project.
            onChange={(project: string) => setFilters({ project: project === current.project?.id ? undefined : project, cluster_id: undefined })}
            data-testid="alerts-project"
          />
        </Space>
      }
    >
      <Tabs
        activeKey={filters.tab}
        onChange={(key) => setFilters({ tab: key as Tab, status: undefined })}
        destroyOnHidden
        items={TABS.map((key) => ({ key, label: t(`alerts.tabs.${key}`), children: tab(key) }))}
      />
    </Card>
  );
}
