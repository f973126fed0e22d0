import { Badge } from 'antd';
import { useTranslation } from 'react-i18next';
import { HoverTooltip } from '../app/HoverTooltip';
import { useStore } from '../app/store';
import { liveStatusStore } from './status';

export function LiveBadge() {
  const { t } = useTranslation();
  const status = useStore(liveStatusStore);
  if (status === 'idle') return null;
  const badge = status === 'open' ? 'success' : status === 'connecting' ? 'processing' : status === 'revoked' ? 'error' : 'warning';
  return (
    <HoverTooltip title={t(`live.${status}Hint`)}>
      <Badge status={badge} text={t(`live.${status}`)} data-testid="live-status" data-status={status} />
    </HoverTooltip>
  );
}
