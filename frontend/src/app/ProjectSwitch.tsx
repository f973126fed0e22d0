import { DownOutlined } from '@ant-design/icons';
import { Button, Spin } from 'antd';
import { Suspense, lazy, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CurrentProject } from './project';

const loadSelect = () => import('./ProjectSelect');
const ProjectSelect = lazy(loadSelect);
/** After the first render, when the browser is idle: so a click opens the picker at once. */
const IDLE_PRELOAD_MS = 1500;

/**
 * The header's project picker. Until first used it is a button showing the project: antd's Select
 * (with its virtual list) is a tenth of the console's first script and a sixth of the header's first
 * render, for a control most visits never touch. A click loads it (preloaded when idle) and opens it.
 */
export function ProjectSwitch({ current }: { current: CurrentProject }) {
  const { t } = useTranslation();
  const [active, setActive] = useState(false);
  useEffect(() => {
    const timer = window.setTimeout(() => void loadSelect().catch(() => undefined), IDLE_PRELOAD_MS);
    return () => window.clearTimeout(timer);
  }, []);

  const button = (
    <Button
      data-testid="project-selector"
      style={{ minWidth: 180, display: 'inline-flex', justifyContent: 'space-between' }}
      loading={current.isLoading}
      iconPlacement="end"
      icon={<DownOutlined style={{ fontSize: 10, color: 'rgba(0,0,0,0.25)' }} />}
      aria-haspopup="listbox"
      aria-label={t('header.project')}
      onClick={() => setActive(true)}
    >
      {current.project?.name ?? t('header.noProject')}
    </Button>
  );
  if (!active) return button;
  return (
    <Suspense fallback={<Spin size="small">{button}</Spin>}>
      <ProjectSelect current={current} onClose={() => setActive(false)} />
    </Suspense>
  );
}
