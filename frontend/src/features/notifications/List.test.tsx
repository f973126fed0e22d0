import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, test, vi } from 'vitest';
import type { Schemas } from '../../api';
import { fakeApi, page } from '../../test/api';
import { asManager, asReader, project, PROJECT_ID } from '../../test/fixtures';
import { popconfirmButton } from '../../test/popconfirm';
import { renderPage } from '../../test/render';
import ChannelList from './List';

const SLOW = { timeout: 15000 };
const ROBOT_URL = 'https://oapi.dingtalk.com/robot/send?access_token=tok-secret-123';

function channel(overrides: Partial<Schemas['ChannelOut']> = {}): Schemas['ChannelOut'] {
  return {
    id: 'ch-1',
    project_id: PROJECT_ID,
    name: 'ops-dingtalk',
    description: 'on-call group',
    kind: 'dingtalk',
    language: 'zh',
    enabled: true,
    rate_limit_per_minute: 20,
    rate_limit_is_default: true,
    config: {},
    masked: { url: 'https://oapi.dingtalk.com/…', secret: '********' },
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}

const mail = channel({
  id: 'ch-2',
  name: 'ops-mail',
  description: '',
  kind: 'email',
  language: 'en',
  enabled: false,
  rate_limit_per_minute: 10,
  rate_limit_is_default: false,
  config: { host: 'smtp.example.com', port: null, security: 'starttls', username: 'ko', from_address: 'ko@example.com', to: ['ops@example.com', 'sre@example.com'], ca_certificate: null },
  masked: { password: '********' },
});

function delivery(overrides: Partial<Schemas['DeliveryOut']> = {}): Schemas['DeliveryOut'] {
  return {
    id: 'd-1',
    channel_id: 'ch-1',
    created_at: '2026-01-02T00:00:00Z',
    title: 'Test message from KubeOperator',
    status: 'delivered',
    test: true,
    attempts: 1,
    last_attempt_at: '2026-01-02T00:00:01Z',
    next_attempt_at: null,
    merged_with: 0,
    answer_status: 200,
    answer: '{"errcode":0,"errmsg":"ok"}',
    ...overrides,
  };
}

function gateway(extra = {}) {
  return fakeApi({
    'GET /api/v1/projects': { body: page([project]) },
    'GET /api/v1/notification-channels': { body: page([channel(), mail]) },
    ...extra,
  });
}

describe('notification channels', () => {
  test('a read-only member sees the channels and their deliveries, but no create, edit, delete or test', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({
      'GET /api/v1/notification-channels/ch-1/deliveries': {
        body: page([delivery(), delivery({ id: 'd-2', title: 'Cluster prod is down', test: false, status: 'failed', attempts: 5, answer_status: 503, answer: 'upstream unavailable' })]),
      },
    });
    renderPage(<ChannelList />, { me: asReader() });
    expect(await screen.findByText('ops-dingtalk', {}, SLOW)).toBeTruthy();
    expect(calls.find((c) => c.path === '/api/v1/notification-channels')?.search.get('project_id')).toBe(PROJECT_ID);
    const robot = screen.getByText('ops-dingtalk').closest('tr') as HTMLElement;
    expect(within(robot).getByText('DingTalk robot')).toBeTruthy();
    expect(within(robot).getByText('Chinese')).toBeTruthy();
    expect(within(robot).getByText('https://oapi.dingtalk.com/…')).toBeTruthy();
    expect(within(robot).getByText('20/min')).toBeTruthy();
    const mailRow = screen.getByText('ops-mail').closest('tr') as HTMLElement;
    expect(within(mailRow).getByText('Disabled')).toBeTruthy();
    expect(within(mailRow).getByText('10/min')).toBeTruthy();
    expect(within(mailRow).getByText('ops@example.com, sre@example.com')).toBeTruthy();
    expect(screen.queryByTestId('channel-create')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    expect(screen.queryByTestId('channel-test-ops-dingtalk')).toBeNull();

    await user.click(screen.getByTestId('channel-deliveries-ops-dingtalk'));
    const drawer = await screen.findByTestId('channel-deliveries');
    expect(await within(drawer).findByText('Cluster prod is down', {}, SLOW)).toBeTruthy();
    const failed = within(drawer).getByText('Cluster prod is down').closest('tr') as HTMLElement;
    expect(within(failed).getByText('Failed')).toBeTruthy();
    expect(within(failed).getByText('5')).toBeTruthy();
    expect(within(failed).getByText('Status 503')).toBeTruthy();
    expect(within(failed).getByText('upstream unavailable')).toBeTruthy();
  });

  test('create sends the chosen kind’s settings only', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'POST /api/v1/notification-channels': { status: 201, body: channel({ kind: 'webhook' }) } });
    renderPage(<ChannelList />, { me: asManager() });
    await user.click(await screen.findByTestId('channel-create', {}, SLOW));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByText('Email'));
    await user.type(within(dialog).getByLabelText('SMTP server'), 'smtp.example.com');
    await user.click(within(dialog).getByText('Webhook'));
    expect(within(dialog).queryByLabelText('SMTP server')).toBeNull();
    await user.type(within(dialog).getByLabelText('Name'), 'hooks');
    await user.type(within(dialog).getByLabelText('Webhook URL'), 'https://hooks.example.com/ko');
    await user.type(within(dialog).getByLabelText('Signing secret'), 'sixteen-chars-or-more');
    await user.click(within(dialog).getByText('English'));
    await user.type(within(dialog).getByLabelText('Rate limit'), '5');
    await user.click(screen.getByTestId('channel-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), SLOW);
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
      project_id: PROJECT_ID,
      name: 'hooks',
      description: '',
      kind: 'webhook',
      language: 'en',
      enabled: true,
      rate_limit_per_minute: 5,
      config: { url: 'https://hooks.example.com/ko', secret: 'sixteen-chars-or-more' },
    });
  });

  test('an email channel sends its recipients; a refused setting lands under its input', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({
      'POST /api/v1/notification-channels': {
        status: 422,
        body: {
          error: 'validation_error',
          detail: 'config.from_address: is not an email address',
          field: 'config.from_address',
          fields: [{ field: 'config.from_address', message: 'is not an email address' }],
        },
      },
    });
    renderPage(<ChannelList />, { me: asManager() });
    await user.click(await screen.findByTestId('channel-create', {}, SLOW));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByText('Email'));
    await user.type(within(dialog).getByLabelText('Name'), 'ops-mail');
    await user.type(within(dialog).getByLabelText('SMTP server'), 'smtp.example.com');
    await user.type(within(dialog).getByLabelText('From'), 'ko@');
    await user.type(within(dialog).getByLabelText('To'), 'ops@example.com{Enter}sre@example.com{Enter}');
    await user.click(screen.getByTestId('channel-submit'));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true), SLOW);
    expect((calls.find((c) => c.method === 'POST')?.body as { config: unknown }).config).toEqual({
      host: 'smtp.example.com',
      security: 'starttls',
      from_address: 'ko@',
      to: ['ops@example.com', 'sre@example.com'],
    });
    const item = within(dialog).getByLabelText('From').closest('.ant-form-item') as HTMLElement;
    expect(await within(item).findByText('is not an email address', {}, SLOW)).toBeTruthy();
    expect(screen.queryByTestId('form-error')).toBeNull();
  });

  test('editing shows the secrets only masked, and an untouched secret is not sent', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'PATCH /api/v1/notification-channels/ch-1': { body: channel() } });
    renderPage(<ChannelList />, { me: asManager() });
    await screen.findByText('ops-dingtalk', {}, SLOW);
    const row = screen.getByText('ops-dingtalk').closest('tr') as HTMLElement;
    await user.click(within(row).getByRole('button', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Webhook URL').value).toBe('');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Signing secret').value).toBe('');
    expect(within(dialog).getByText('Stored: https://oapi.dingtalk.com/…. Unchanged unless you type a new one.')).toBeTruthy();
    expect(dialog.innerHTML).not.toContain('tok-secret-123');
    await user.type(within(dialog).getByLabelText('Description'), ' (day)');
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true), SLOW);
    const body = calls.find((c) => c.method === 'PATCH')?.body as Record<string, unknown>;
    expect(body).toMatchObject({ description: 'on-call group (day)', rate_limit_per_minute: null });
    expect(body.config).toEqual({});
    expect(JSON.stringify(body)).not.toContain(ROBOT_URL);
  });

  test('an email channel without a login drops its stored password too', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'PATCH /api/v1/notification-channels/ch-2': { body: mail } });
    renderPage(<ChannelList />, { me: asManager() });
    await screen.findByText('ops-mail', {}, SLOW);
    const row = screen.getByText('ops-mail').closest('tr') as HTMLElement;
    await user.click(within(row).getByRole('button', { name: 'Edit' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText<HTMLInputElement>('SMTP server').value).toBe('smtp.example.com');
    expect(within(dialog).getByLabelText<HTMLInputElement>('Password').value).toBe('');
    expect(within(dialog).getByText('Stored: ********. Unchanged unless you type a new one.')).toBeTruthy();
    await user.clear(within(dialog).getByLabelText('Username'));
    await user.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true), SLOW);
    const body = calls.find((c) => c.method === 'PATCH')?.body as { config: Record<string, unknown>; rate_limit_per_minute: unknown };
    expect(body.rate_limit_per_minute).toBe(10);
    expect(body.config).toEqual({
      host: 'smtp.example.com',
      port: null,
      security: 'starttls',
      username: null,
      password: null,
      from_address: 'ko@example.com',
      to: ['ops@example.com', 'sre@example.com'],
      ca_certificate: null,
    });
  });

  test('Send test shows the receiver’s answer, and a rate limit with when to retry', async () => {
    const user = userEvent.setup({ delay: null });
    const { fetch } = gateway({
      'POST /api/v1/notification-channels/ch-1/test': { body: { ok: false, delivery: delivery({ status: 'failed', answer_status: 200, answer: '{"errcode":310000,"errmsg":"sign not match"}' }) } },
    });
    // The fake gateway sends no headers: the rate-limited answer is made here, with its Retry-After.
    const inner = fetch.getMockImplementation()!;
    vi.stubGlobal('fetch', async (request: Request) =>
      request.url.endsWith('/ch-2/test')
        ? Response.json({ error: 'too_many_requests', detail: 'The channel sent its 10 messages of the last 60 s: try again in 11 s.' }, { status: 429, headers: { 'Retry-After': '12' } })
        : inner(request),
    );
    renderPage(<ChannelList />, { me: asManager() });
    await user.click(await screen.findByTestId('channel-test-ops-dingtalk', {}, SLOW));
    const result = await screen.findByTestId('channel-test-result', {}, SLOW);
    expect(within(result).getByText('ops-dingtalk: the test message was not delivered.')).toBeTruthy();
    expect(within(result).getByText('Status 200')).toBeTruthy();
    expect(within(result).getByText('{"errcode":310000,"errmsg":"sign not match"}')).toBeTruthy();

    await user.click(screen.getByTestId('channel-test-ops-mail'));
    await waitFor(() => expect(screen.getByTestId('channel-test-result').textContent).toBe('ops-mail: rate limited, try again in 12 s.'), SLOW);
  });

  test('delete asks first', async () => {
    const user = userEvent.setup({ delay: null });
    const { calls } = gateway({ 'DELETE /api/v1/notification-channels/ch-2': { status: 204 } });
    renderPage(<ChannelList />, { me: asManager() });
    await screen.findByText('ops-mail', {}, SLOW);
    const row = screen.getByText('ops-mail').closest('tr') as HTMLElement;
    await user.click(within(row).getByRole('button', { name: 'Delete' }));
    await user.click(await popconfirmButton('Delete'));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE' && c.path.endsWith('/ch-2'))).toBe(true), SLOW);
  });
});
