import { Select } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CurrentProject } from './project';

/** The project picker itself (antd Select, searchable): its own chunk, see ProjectSwitch. */
export default function ProjectSelect({ current, onClose }: { current: CurrentProject; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Select
      data-testid="project-selector"
      style={{ minWidth: 180 }}
      autoFocus
      defaultOpen
      showSearch={{ optionFilterProp: 'label' }}
      value={current.project?.id}
      onChange={(id) => {
        current.select(id);
        onClose();
      }}
      onOpenChange={(open) => !open && onClose()}
      options={current.projects.map((p) => ({ value: p.id, label: p.name }))}
      placeholder={t('header.noProject')}
      notFoundContent={t('header.noProject')}
    />
  );
}
