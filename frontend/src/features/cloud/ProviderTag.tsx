import { Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Provider } from '../regions/api';

export function ProviderTag({ provider }: { provider: Provider }) {
  const { t } = useTranslation();
  return <Tag color={provider === 'vsphere' ? 'blue' : 'red'}>{t(`cloud.provider.${provider}`)}</Tag>;
}
