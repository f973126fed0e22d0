import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { onUnauthorized } from '../api';
import { meKey } from './auth';
import { createQueryClient } from './queryClient';

// Zero-runtime styles: antd's stylesheet is loaded once (main.tsx imports antd/dist/antd.css)
// instead of every component generating its CSS in the browser on first render.
const THEME = { zeroRuntime: true } as const;

export function Providers({ children, queryClient }: { children: ReactNode; queryClient?: QueryClient }) {
  const [client] = useState(() => queryClient ?? createQueryClient());
  const { i18n } = useTranslation();
  const zh = i18n.language === 'zh-CN';

  useEffect(() => {
    dayjs.locale(zh ? 'zh-cn' : 'en');
  }, [zh]);

  useEffect(() => {
    // A 401 anywhere means the session is gone: forget the user, RequireAuth shows the login page.
    onUnauthorized(() => {
      if (client.getQueryData(meKey)) {
        client.clear();
        client.setQueryData(meKey, null);
      }
    });
    return () => onUnauthorized(undefined);
  }, [client]);

  return (
    <QueryClientProvider client={client}>
      <ConfigProvider locale={zh ? zhCN : enUS} theme={THEME}>
        <AntApp>{children}</AntApp>
      </ConfigProvider>
    </QueryClientProvider>
  );
}
