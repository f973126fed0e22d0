import { CheckCircleOutlined, CloseCircleOutlined, SyncOutlined } from '@ant-design/icons';
import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { OfflinePackage } from './api';

export function PackageStatusTag({ pkg }: { pkg: Pick<OfflinePackage, 'status' | 'error'> }) {
  const { t } = useTranslation();
  const tag =
    pkg.status === 'importing' ? (
      <Tag icon={<SyncOutlined spin />} color="processing">
        {t('packages.status.importing')}
      </Tag>
    ) : pkg.status === 'ready' ? (
      <Tag icon={<CheckCircleOutlined />} color="success">
        {t('packages.status.ready')}
      </Tag>
    ) : (
      <Tag icon={<CloseCircleOutlined />} color="error">
        {t('packages.status.failed')}
      </Tag>
    );
  return pkg.status === 'failed' && pkg.error ? <Tooltip title={pkg.error}>{tag}</Tooltip> : tag;
}
