import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { describeError } from './errors';

export function QueryError({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return <Alert type="error" showIcon title={t('errors.loadFailed')} description={describeError(t, error)} />;
}
