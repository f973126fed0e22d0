import { Badge, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { useStore } from '../app/store';
import { liveStatusStore } from './status';

export function LiveBadge() {
  const { t } = useTranslation();
  const status = useStore(liveStatusStore);
  if (status === 'idle') return null;
  const badge = status === 'open' ? 'success' : status === 'connecting' ? 'processing' : status === 'revoked' ? 'error' : 'warning';
  return (
    <Tooltip title={t(`live.${status}Hint`)}>
      <Badge status={badge} text={t(`live.${status}`)} data-testid="live-status" data-status={status} />
    </Tooltip>
  );
}
