import { Result } from 'antd';
import { useTranslation } from 'react-i18next';

/** What a non-admin sees on an admin page (its own chunk: antd's Result carries large illustrations). */
export default function AdminOnly() {
  const { t } = useTranslation();
  return <Result status="403" title={t('errors.adminOnlyTitle')} subTitle={t('errors.adminOnly')} />;
}
