import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import { SEVERITY_COLORS, type Severity } from './api';

export function SeverityTag({ severity }: { severity: Severity }) {
  const { t } = useTranslation();
  return (
    <Tag color={SEVERITY_COLORS[severity]} data-testid="alert-severity" data-severity={severity}>
      {t(`alerts.severities.${severity}`)}
    </Tag>
  );
}
