import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Host, HostStatus } from './api';

const STATUS_COLOR: Record<HostStatus, string> = {
  ready: 'green',
  unreachable: 'red',
  auth_failed: 'orange',
  no_root: 'orange',
  host_key_changed: 'magenta',
  error: 'red',
};

/** The host's status, coloured; the last check's sentence in a tooltip. */
export function StatusTag({ host }: { host: Pick<Host, 'status' | 'status_message'> }) {
  const { t } = useTranslation();
  const tag = (
    <Tag color={STATUS_COLOR[host.status]} data-testid="host-status" data-status={host.status}>
      {t(`hosts.status.${host.status}`)}
    </Tag>
  );
  return host.status_message ? <Tooltip title={host.status_message}>{tag}</Tooltip> : tag;
}
