import { useQuery, type QueryClient } from '@tanstack/react-query';
import { ApiError, api, call, type Schemas } from '../api';

export type Me = Schemas['MeOut'];
export const meKey = ['me'] as const;

async function fetchMe(): Promise<Me | null> {
  try {
    return await call(api.GET('/api/v1/auth/me'));
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** The query behind useMe, also started before the first render (boot.ts). */
export const meQuery = { queryKey: meKey, queryFn: fetchMe, staleTime: 60_000, retry: false } as const;

/** The logged-in user, or null when there is no session. */
export function useMe() {
  return useQuery(meQuery);
}

export async function logout(queryClient: QueryClient): Promise<void> {
  try {
    await call(api.POST('/api/v1/auth/logout'));
  } finally {
    queryClient.clear();
    queryClient.setQueryData(meKey, null);
  }
}
