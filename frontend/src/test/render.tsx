import { QueryClient } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router';
import type { Schemas } from '../api';
import { meKey } from '../app/auth';
import { Providers } from '../app/Providers';

export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } } });
}

/** Renders a page inside the console's providers with a router; `me` seeds the logged-in user. */
export function renderPage(
  ui: ReactElement,
  { me, route = '/', path = '*', queryClient = testQueryClient() }: { me?: Schemas['MeOut'] | null; route?: string; path?: string; queryClient?: QueryClient } = {},
) {
  if (me !== undefined) queryClient.setQueryData(meKey, me);
  const result = render(
    <Providers queryClient={queryClient}>
      <MemoryRouter initialEntries={[route]}>
        <Routes>
          <Route path={path} element={ui} />
          <Route path="/login" element={<div>login page</div>} />
        </Routes>
      </MemoryRouter>
    </Providers>,
  );
  return { ...result, queryClient };
}
