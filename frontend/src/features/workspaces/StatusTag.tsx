import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { VmStatus, Workspace, WorkspaceStatus } from './api';

const WORKSPACE_COLOR: Record<WorkspaceStatus, string> = {
  provisioning: 'processing',
  ready: 'green',
  failed: 'red',
  destroying: 'orange',
  destroyed: 'default',
};

const VM_COLOR: Record<VmStatus, string> = {
  planned: 'default',
  created: 'processing',
  registered: 'green',
  removing: 'orange',
};

/** The workspace's status, coloured; its message (the failure names the VM and the cause) in a tooltip. */
export function WorkspaceStatusTag({ workspace }: { workspace: Pick<Workspace, 'status' | 'message'> }) {
  const { t } = useTranslation();
  const tag = (
    <Tag color={WORKSPACE_COLOR[workspace.status]} data-testid="workspace-status" data-status={workspace.status}>
      {t(`workspaces.status.${workspace.status}`)}
    </Tag>
  );
  return workspace.message ? <Tooltip title={workspace.message}>{tag}</Tooltip> : tag;
}

export function VmStatusTag({ status }: { status: VmStatus }) {
  const { t } = useTranslation();
  return (
    <Tag color={VM_COLOR[status]} data-status={status}>
      {t(`workspaces.vmStatus.${status}`)}
    </Tag>
  );
}
