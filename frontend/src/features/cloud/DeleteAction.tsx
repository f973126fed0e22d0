import { DeleteOutlined } from '@ant-design/icons';
import { App, Button, Popconfirm, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../api';
import { describeError } from '../../app/errors';

interface Props {
  /** The resource's name, in the refusal's title. */
  name: string;
  confirm: string;
  done: string;
  onDelete: () => Promise<unknown>;
  disabledReason?: string;
  withLabel?: boolean;
}

/**
 * Delete with a confirmation. A refusal because something still uses the resource (409: the API
 * names what holds it) stays on screen as a dialog until read; other errors are a short message.
 */
export function DeleteAction({ name, confirm, done, onDelete, disabledReason, withLabel }: Props) {
  const { t } = useTranslation();
  const { message, modal } = App.useApp();
  const run = () =>
    onDelete().then(
      () => void message.success(done),
      (error: unknown) => {
        if (error instanceof ApiError && error.status === 409) {
          modal.warning({ title: t('cloud.cannotDelete', { name }), content: describeError(t, error), okText: t('packages.close') });
        } else {
          void message.error(describeError(t, error));
        }
      },
    );
  return (
    <Popconfirm
      title={confirm}
      okText={t('common.delete')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: true }}
      disabled={!!disabledReason}
      onConfirm={run}
    >
      <Tooltip title={disabledReason ?? (withLabel ? undefined : t('common.delete'))}>
        <Button size="small" type={withLabel ? 'default' : 'text'} danger icon={<DeleteOutlined />} aria-label={t('common.delete')} disabled={!!disabledReason}>
          {withLabel && t('common.delete')}
        </Button>
      </Tooltip>
    </Popconfirm>
  );
}
