import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, call, type Schemas } from '../../api';

export type Token = Schemas['TokenOut'];
export type CreatedToken = Schemas['TokenCreatedOut'];
export const tokensKey = ['tokens'] as const;

export function useTokens(query: { allUsers: boolean; limit: number; offset: number }) {
  return useQuery({
    queryKey: [...tokensKey, 'list', query],
    queryFn: () =>
      call(api.GET('/api/v1/auth/tokens', { params: { query: { all_users: query.allUsers, limit: query.limit, offset: query.offset } } })),
    placeholderData: keepPreviousData,
  });
}

export function useCreateToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['TokenIn']) => call(api.POST('/api/v1/auth/tokens', { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensKey }),
  });
}

export function useRevokeToken() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(api.DELETE('/api/v1/auth/tokens/{token_id}', { params: { path: { token_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: tokensKey }),
  });
}

export type TokenState = 'active' | 'revoked' | 'expired';

export function tokenState(token: Token, now = Date.now()): TokenState {
  if (token.revoked_at) return 'revoked';
  if (token.expires_at && Date.parse(token.expires_at) <= now) return 'expired';
  return 'active';
}
