import { Card, Empty } from 'antd';
import { useTranslation } from 'react-i18next';
import { useCurrentProject } from '../../app/project';
import { KubeEvents } from './KubeEvents';

/** The Events page: the Kubernetes events of the current project's clusters. */
export default function EventsPage() {
  const { t } = useTranslation();
  const current = useCurrentProject();
  return (
    <Card title={t('kubeEvents.title')}>
      {!current.isLoading && !current.project ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('header.noProjectHint')} />
      ) : (
        <KubeEvents projectId={current.project?.id} />
      )}
    </Card>
  );
}
