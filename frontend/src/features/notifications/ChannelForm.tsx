import { Alert, Checkbox, Form, Input, InputNumber, Modal, Radio, Select, Switch } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { applyApiError } from '../../app/errors';
import { currentLanguage } from '../../i18n';
import { CHANNEL_KINDS, useCreateChannel, useUpdateChannel, type Channel, type ChannelCreate, type ChannelKind, type ChannelUpdate } from './api';

interface Config {
  url?: string;
  secret?: string;
  host?: string;
  port?: number | null;
  security?: 'none' | 'starttls' | 'tls';
  username?: string;
  password?: string;
  from_address?: string;
  to?: string[];
  ca_certificate?: string;
}

interface Values {
  name: string;
  description?: string;
  kind: ChannelKind;
  language: Channel['language'];
  enabled: boolean;
  rate_limit_per_minute?: number | null;
  config: Config;
  remove_secret?: boolean;
}

// Each kind's settings (services/ko_observability/channels/senders): the secret ones are write-only,
// sent only when typed; the API shows them masked.
const PLAIN: Record<ChannelKind, readonly (keyof Config)[]> = {
  dingtalk: [],
  wecom: [],
  email: ['host', 'port', 'security', 'username', 'from_address', 'to', 'ca_certificate'],
  webhook: [],
};
const SECRET: Record<ChannelKind, readonly (keyof Config)[]> = {
  dingtalk: ['url', 'secret'],
  wecom: ['url'],
  email: ['password'],
  webhook: ['url', 'secret'],
};

const emptyToNull = (value: unknown) => (value === undefined || value === '' || (Array.isArray(value) && !value.length) ? null : value);

/** The settings to send: plain ones as given (null clears one on update), secrets only when typed. */
function configOf(values: Values, editing: boolean): Record<string, unknown> {
  const given = values.config ?? {};
  const out: Record<string, unknown> = {};
  for (const key of PLAIN[values.kind]) {
    const raw = given[key];
    const value = emptyToNull(typeof raw === 'string' ? raw.trim() : raw);
    if (value !== null || editing) out[key] = value;
  }
  for (const key of SECRET[values.kind]) {
    if (given[key]) out[key] = given[key];
  }
  // No login, no password; and an unticked signing secret is cleared, not kept.
  if (editing && values.kind === 'email' && out.username === null) out.password = null;
  if (editing && values.remove_secret) out.secret = null;
  return out;
}

// Mounted only while open, so each opening starts from a clean form.
interface Props {
  projectId: string;
  /** The channel to edit; absent to create one. Its secrets are never known here, only their masked form. */
  channel?: Channel;
  onClose: () => void;
}

export function ChannelForm({ projectId, channel, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateChannel();
  const update = useUpdateChannel();
  const editing = !!channel;
  const kind: ChannelKind = Form.useWatch('kind', form) ?? channel?.kind ?? 'dingtalk';
  const removeSecret = Form.useWatch('remove_secret', form) ?? false;
  const fields = ['name', 'description', 'kind', 'language', 'enabled', 'rate_limit_per_minute', ...[...PLAIN[kind], ...SECRET[kind]].map((k) => `config.${k}`)];

  const initialValues: Partial<Values> = channel
    ? {
        name: channel.name,
        description: channel.description,
        kind: channel.kind,
        language: channel.language,
        enabled: channel.enabled,
        rate_limit_per_minute: channel.rate_limit_is_default ? null : channel.rate_limit_per_minute,
        // Settings the API holds as null are left empty here (inputs take no null).
        config: Object.fromEntries(Object.entries(channel.config).filter(([, v]) => v !== null)),
      }
    : { kind: 'dingtalk', language: currentLanguage() === 'zh-CN' ? 'zh' : 'en', enabled: true, config: { security: 'starttls', to: [] } };

  const onFinish = (values: Values) => {
    setFormError(null);
    const onError = (error: unknown) => setFormError(applyApiError(form, error, fields, t));
    const common = {
      name: values.name.trim(),
      description: values.description ?? '',
      language: values.language,
      enabled: values.enabled,
      rate_limit_per_minute: values.rate_limit_per_minute ?? null,
    };
    if (channel) {
      const body: ChannelUpdate = { ...common, config: configOf(values, true) };
      update.mutate({ id: channel.id, body }, { onSuccess: onClose, onError });
    } else {
      const body: ChannelCreate = { ...common, project_id: projectId, kind: values.kind, config: configOf(values, false) };
      create.mutate(body, { onSuccess: onClose, onError });
    }
  };

  const required = { required: true, message: t('validation.required') };
  /** A secret's hint: what is stored (masked) when editing, else the field's own hint. */
  const secretHint = (key: string, hint?: string) => {
    const stored = channel?.kind === kind ? channel.masked[key] : undefined;
    return stored ? t('channels.stored', { value: stored }) : hint;
  };
  const secretRules = (key: string, needed: boolean) => [{ required: needed && !(channel?.masked[key]), message: t('validation.required') }];
  const secretInput = <Input.Password autoComplete="new-password" />;

  return (
    <Modal
      open
      width={640}
      title={editing ? t('channels.editTitle', { name: channel.name }) : t('channels.createTitle')}
      okText={editing ? t('common.save') : t('common.create')}
      cancelText={t('common.cancel')}
      okButtonProps={{ 'data-testid': 'channel-submit' }}
      confirmLoading={create.isPending || update.isPending}
      onOk={() => form.submit()}
      onCancel={onClose}
    >
      {formError && <Alert type="error" showIcon title={formError} style={{ marginBottom: 16 }} data-testid="form-error" />}
      <Form form={form} layout="vertical" onFinish={onFinish} autoComplete="off" name="channel" initialValues={initialValues}>
        <Form.Item name="name" label={t('channels.name')} extra={t('channels.nameHint')} rules={[required]}>
          <Input maxLength={64} />
        </Form.Item>
        <Form.Item name="description" label={t('common.description')}>
          <Input.TextArea rows={2} maxLength={512} />
        </Form.Item>
        <Form.Item name="kind" label={t('channels.kind')} extra={editing ? t('channels.kindFixed') : undefined}>
          <Radio.Group optionType="button" disabled={editing} options={CHANNEL_KINDS.map((k) => ({ value: k, label: t(`channels.kinds.${k}`) }))} />
        </Form.Item>
        {kind !== 'email' && (
          <Form.Item
            name={['config', 'url']}
            label={t('channels.url')}
            extra={secretHint('url', kind === 'webhook' ? t('channels.webhookUrlHint') : t('channels.urlHint'))}
            rules={secretRules('url', true)}
          >
            {secretInput}
          </Form.Item>
        )}
        {(kind === 'dingtalk' || kind === 'webhook') && (
          <Form.Item
            name={['config', 'secret']}
            label={t('channels.secret')}
            extra={secretHint('secret', kind === 'webhook' ? t('channels.webhookSecretHint') : t('channels.dingtalkSecretHint'))}
            rules={[
              ...secretRules('secret', kind === 'webhook'),
              ...(kind === 'webhook' ? [{ min: 16, message: t('channels.webhookSecretHint') }] : []),
            ]}
          >
            <Input.Password autoComplete="new-password" disabled={removeSecret} />
          </Form.Item>
        )}
        {kind === 'dingtalk' && channel?.kind === 'dingtalk' && channel.masked.secret && (
          <Form.Item name="remove_secret" valuePropName="checked">
            <Checkbox>{t('channels.removeSecret')}</Checkbox>
          </Form.Item>
        )}
        {kind === 'email' && (
          <>
            <Form.Item name={['config', 'host']} label={t('channels.host')} rules={[required]}>
              <Input placeholder="smtp.example.com" />
            </Form.Item>
            <Form.Item name={['config', 'security']} label={t('channels.security')}>
              <Radio.Group
                optionType="button"
                options={(['none', 'starttls', 'tls'] as const).map((s) => ({ value: s, label: t(`channels.securities.${s}`) }))}
              />
            </Form.Item>
            <Form.Item name={['config', 'port']} label={t('channels.port')} extra={t('channels.portHint')}>
              <InputNumber min={1} max={65535} precision={0} style={{ width: 120 }} />
            </Form.Item>
            <Form.Item name={['config', 'username']} label={t('channels.username')} extra={t('channels.usernameHint')}>
              <Input autoComplete="off" />
            </Form.Item>
            <Form.Item name={['config', 'password']} label={t('channels.password')} extra={secretHint('password')}>
              {secretInput}
            </Form.Item>
            <Form.Item name={['config', 'from_address']} label={t('channels.from')} rules={[required]}>
              <Input placeholder="kubeoperator@example.com" />
            </Form.Item>
            <Form.Item name={['config', 'to']} label={t('channels.to')} extra={t('channels.toHint')} rules={[{ ...required, type: 'array', min: 1 }]}>
              <Select mode="tags" open={false} tokenSeparators={[',', ' ', ';']} suffix={null} placeholder="ops@example.com" />
            </Form.Item>
            <Form.Item name={['config', 'ca_certificate']} label={t('channels.caCertificate')} extra={t('channels.caCertificateHint')}>
              <Input.TextArea rows={3} spellCheck={false} style={{ fontFamily: 'monospace' }} placeholder="-----BEGIN CERTIFICATE-----" />
            </Form.Item>
          </>
        )}
        <Form.Item name="language" label={t('channels.language')}>
          <Radio.Group optionType="button" options={(['zh', 'en'] as const).map((l) => ({ value: l, label: t(`channels.languages.${l}`) }))} />
        </Form.Item>
        <Form.Item
          name="rate_limit_per_minute"
          label={t('channels.rateLimit')}
          extra={t('channels.rateLimitHint')}
        >
          <InputNumber
            min={1}
            max={600}
            precision={0}
            style={{ width: 200 }}
            placeholder={
              channel?.rate_limit_is_default && channel.kind === kind
                ? t('channels.perMinute', { limit: channel.rate_limit_per_minute })
                : t('channels.rateLimitDefault')
            }
          />
        </Form.Item>
        <Form.Item name="enabled" label={t('channels.enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
      </Form>
    </Modal>
  );
}
