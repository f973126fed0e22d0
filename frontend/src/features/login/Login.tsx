import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Alert, Button, Card, Form, Input, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useNavigate, useSearchParams } from 'react-router';
import { api, call, type Schemas } from '../../api';
import { meKey, useMe } from '../../app/auth';
import { describeError } from '../../app/errors';
import { LanguageSwitch } from '../../app/LanguageSwitch';

type Values = Schemas['LoginIn'];

/** Only same-site paths, so a crafted ?next= cannot send the user elsewhere. */
function safeNext(next: string | null): string {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function Login() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const queryClient = useQueryClient();
  const me = useMe();
  const [error, setError] = useState<string | null>(null);
  const next = safeNext(params.get('next'));
  const login = useMutation({
    mutationFn: (body: Values) => call(api.POST('/api/v1/auth/login', { body })),
    onSuccess: (result) => {
      queryClient.clear();
      queryClient.setQueryData(meKey, result.user);
      void navigate(next, { replace: true });
    },
    onError: (e) => setError(describeError(t, e)),
  });

  if (me.data) return <Navigate to={next} replace />;

  return (
    <div style={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', background: '#f0f2f5' }}>
      <Space orientation="vertical" size="large" style={{ width: 380 }}>
        <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center' }}>
          <Typography.Title level={2} style={{ margin: 0 }}>
            KubeOperator
          </Typography.Title>
          <LanguageSwitch />
        </div>
        <Card title={t('login.title')}>
          <Typography.Paragraph type="secondary">{t('login.subtitle')}</Typography.Paragraph>
          {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="login-error" />}
          <Form<Values>
            layout="vertical"
            name="login"
            onFinish={(values) => {
              setError(null);
              login.mutate(values);
            }}
          >
            <Form.Item name="username" label={t('login.username')} rules={[{ required: true, message: t('validation.required') }]}>
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item name="password" label={t('login.password')} rules={[{ required: true, message: t('validation.required') }]}>
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={login.isPending} data-testid="login-submit">
              {t('login.submit')}
            </Button>
          </Form>
        </Card>
      </Space>
    </div>
  );
}
