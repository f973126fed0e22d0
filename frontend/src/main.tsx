import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import 'antd/dist/reset.css';
import 'antd/dist/antd.css';
import './i18n';
import { boot } from './app/boot';
import { Providers } from './app/Providers';
import { createQueryClient } from './app/queryClient';
import { routes } from './app/routes';

// The first render waits for what the page needs (boot.ts), but never longer than BOOT_WAIT_MS:
// a slow server then gets the pages' own loading states. Until then index.html shows a splash.
const BOOT_WAIT_MS = 1000;

const queryClient = createQueryClient();
const ready = boot(queryClient, window.location.pathname);
const router = createBrowserRouter(routes);

void Promise.race([ready, new Promise((resolve) => setTimeout(resolve, BOOT_WAIT_MS))]).then(() =>
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <Providers queryClient={queryClient}>
        <RouterProvider router={router} />
      </Providers>
    </StrictMode>,
  ),
);
