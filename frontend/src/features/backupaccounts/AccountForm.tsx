import { Alert, App, Form, Input, InputNumber, Modal, Radio, Select, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { useProjects } from '../../app/project';
import {
  ACCOUNT_KINDS,
  useCreateBackupAccount,
  useUpdateBackupAccount,
  type AccountKind,
  type BackupAccount,
} from './api';

type Auth = 'password' | 'private_key';
type Setting = 'directory' | 'host' | 'port' | 'username' | 'host_key' | 'endpoint' | 'region' | 'bucket' | 'access_key' | 'path_style' | 'verify_tls';
type Secret = 'password' | 'private_key' | 'secret_key';

interface Values extends Partial<Record<Setting, string | number | boolean | null>> {
  name: string;
  description?: string;
  kind: AccountKind;
  project_ids?: string[];
  auth: Auth;
  password?: string;
  private_key?: string;
  secret_key?: string;
}

// The settings each kind shows (the API refuses the others); secrets are handled apart, never prefilled.
const KIND_SETTINGS: Record<AccountKind, readonly Setting[]> = {
  local: ['directory'],
  sftp: ['host', 'port', 'username', 'directory', 'host_key'],
  s3: ['endpoint', 'region', 'bucket', 'access_key', 'path_style', 'verify_tls'],
};

function secretsOf(kind: AccountKind, auth: Auth): Secret[] {
  if (kind === 'sftp') return [auth];
  return kind === 's3' ? ['secret_key'] : [];
}

/** A text setting as the API wants it: trimmed, and null when empty (the API's default then applies). */
function normalize(value: unknown): string | number | boolean | null {
  if (typeof value === 'string') return value.trim() || null;
  return value === undefined ? null : (value as number | boolean | null);
}

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  /** The account to edit; absent to create one. Its secrets are never known here. */
  account?: BackupAccount;
  onClose: () => void;
}

export function AccountForm({ account, onClose }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const projects = useProjects();
  const create = useCreateBackupAccount();
  const update = useUpdateBackupAccount();
  const editing = !!account;
  const storedAuth: Auth = account?.has_private_key ? 'private_key' : 'password';
  const kind: AccountKind = Form.useWatch('kind', form) ?? account?.kind ?? 'local';
  const auth: Auth = Form.useWatch('auth', form) ?? storedAuth;
  const fields = ['name', 'description', 'kind', 'project_ids', ...KIND_SETTINGS[kind], ...secretsOf(kind, auth)];

  const initialValues: Partial<Values> = account
    ? {
        name: account.name,
        description: account.description,
        kind: account.kind,
        project_ids: account.project_ids,
        auth: storedAuth,
        ...Object.fromEntries(KIND_SETTINGS[account.kind].map((name) => [name, account[name]])),
      }
    : { kind: 'local', auth: 'password', project_ids: [], path_style: true, verify_tls: true };

  const onFinish = (values: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, fields, t));
    const onSuccess = (saved: BackupAccount) => {
      void message.success(t('backupAccounts.saved', { name: saved.name }));
      onClose();
    };
    const secrets = Object.fromEntries(
      secretsOf(values.kind, values.auth)
        .filter((name) => values[name])
        .map((name) => [name, values[name]]),
    );
    const projectIds = values.project_ids ?? [];
    if (!account) {
      const settings = Object.fromEntries(
        KIND_SETTINGS[values.kind].map((name) => [name, normalize(values[name])] as const).filter(([, v]) => v !== null),
      );
      const body = { name: values.name.trim(), description: values.description ?? '', kind: values.kind, project_ids: projectIds, ...settings, ...secrets };
      create.mutate(body, { onSuccess, onError });
      return;
    }
    // Only what changed: any storage setting sent makes the API test the account again.
    const body: Record<string, unknown> = { ...secrets };
    if (values.name.trim() !== account.name) body.name = values.name.trim();
    if ((values.description ?? '') !== account.description) body.description = values.description ?? '';
    if ([...projectIds].sort().join() !== [...account.project_ids].sort().join()) body.project_ids = projectIds;
    for (const name of KIND_SETTINGS[account.kind]) {
      const value = normalize(values[name]);
      if (value !== normalize(account[name])) body[name] = value;
    }
    update.mutate({ id: account.id, body }, { onSuccess, onError });
  };

  const keep = editing ? t('backupAccounts.keepSecret') : undefined;
  const required = { required: true, message: t('validation.required') };
  const secretRequired = { required: !editing || (kind === 'sftp' && auth !== storedAuth) || (kind === 's3' && !account?.has_secret_key), message: t('validation.required') };
  return (
    <Modal
      open
      width={640}
      title={editing ? t('backupAccounts.editTitle', { name: account.name }) : t('backupAccounts.createTitle')}
      okText={editing ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'account-submit' }}
      confirmLoading={create.isPending || update.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      <Typography.Paragraph type="secondary">{t('backupAccounts.testing')}</Typography.Paragraph>
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="backup-account" initialValues={initialValues}>
        <Form.Item name="name" label={t('backupAccounts.name')} extra={t('backupAccounts.nameHint')} rules={[required]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea rows={2} maxLength={512} />
        </Form.Item>
        <Form.Item name="kind" label={t('backupAccounts.kind')} extra={editing ? t('backupAccounts.kindFixed') : undefined}>
          <Radio.Group
            optionType="button"
            disabled={editing}
            options={ACCOUNT_KINDS.map((k) => ({ value: k, label: t(`backupAccounts.kinds.${k}`) }))}
          />
        </Form.Item>
        {kind === 'sftp' && (
          <>
            <Form.Item name="host" label={t('backupAccounts.host')} rules={[required]}>
              <Input placeholder="backup.example.com" />
            </Form.Item>
            <Form.Item name="port" label={t('backupAccounts.port')} extra={t('backupAccounts.portHint')}>
              <InputNumber min={1} max={65535} precision={0} placeholder="22" style={{ width: 120 }} />
            </Form.Item>
            <Form.Item name="username" label={t('backupAccounts.username')} rules={[required]}>
              <Input />
            </Form.Item>
            <Form.Item name="auth" label={t('backupAccounts.auth')}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'password', label: t('backupAccounts.authPassword') },
                  { value: 'private_key', label: t('backupAccounts.authKey') },
                ]}
              />
            </Form.Item>
            {auth === 'password' ? (
              <Form.Item name="password" label={t('backupAccounts.password')} extra={auth === storedAuth ? keep : undefined} rules={[secretRequired]}>
                <Input.Password autoComplete="new-password" />
              </Form.Item>
            ) : (
              <Form.Item
                name="private_key"
                label={t('backupAccounts.privateKey')}
                extra={(auth === storedAuth ? keep : undefined) ?? t('backupAccounts.privateKeyHint')}
                rules={[secretRequired]}
              >
                <Input.TextArea rows={5} spellCheck={false} style={{ fontFamily: 'monospace' }} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" />
              </Form.Item>
            )}
          </>
        )}
        {(kind === 'local' || kind === 'sftp') && (
          <Form.Item name="directory" label={t('backupAccounts.directory')} extra={t('backupAccounts.directoryHint')} rules={[required]}>
            <Input placeholder="/var/backups/kubeoperator" />
          </Form.Item>
        )}
        {kind === 'sftp' && (
          <Form.Item
            name="host_key"
            label={t('backupAccounts.hostKey')}
            rules={[required]}
            extra={
              <>
                {t('backupAccounts.hostKeyHint')}
                {account?.host_key_fingerprint && (
                  <div>{t('backupAccounts.fingerprint', { fingerprint: account.host_key_fingerprint })}</div>
                )}
              </>
            }
          >
            <Input.TextArea rows={3} spellCheck={false} style={{ fontFamily: 'monospace' }} placeholder="backup.example.com ssh-ed25519 AAAAC3Nza…" />
          </Form.Item>
        )}
        {kind === 's3' && (
          <>
            <Form.Item name="endpoint" label={t('backupAccounts.endpoint')} extra={t('backupAccounts.endpointHint')} rules={[required]}>
              <Input placeholder="https://s3.example.com:9000" />
            </Form.Item>
            <Form.Item name="region" label={t('backupAccounts.region')} extra={t('backupAccounts.regionHint')}>
              <Input placeholder="us-east-1" />
            </Form.Item>
            <Form.Item name="bucket" label={t('backupAccounts.bucket')} rules={[required]}>
              <Input />
            </Form.Item>
            <Form.Item name="access_key" label={t('backupAccounts.accessKey')} rules={[required]}>
              <Input />
            </Form.Item>
            <Form.Item name="secret_key" label={t('backupAccounts.secretKey')} extra={account?.has_secret_key ? keep : undefined} rules={[secretRequired]}>
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Form.Item name="path_style" label={t('backupAccounts.pathStyle')} extra={t('backupAccounts.pathStyleHint')} valuePropName="checked">
              <Switch />
            </Form.Item>
            <Form.Item name="verify_tls" label={t('backupAccounts.verifyTls')} valuePropName="checked">
              <Switch />
            </Form.Item>
          </>
        )}
        <Form.Item name="project_ids" label={t('backupAccounts.projects')} extra={t('backupAccounts.projectsHint')}>
          <Select
            mode="multiple"
            loading={projects.isLoading}
            showSearch={{ optionFilterProp: 'label' }}
            options={(projects.data?.items ?? []).map((p) => ({ value: p.id, label: p.name }))}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
