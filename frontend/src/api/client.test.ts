import { describe, expect, test, vi } from 'vitest';
import { fakeApi } from '../test/api';
import { api, onUnauthorized } from './client';
import { ApiError, call } from './errors';

describe('api client', () => {
  test('sends the CSRF token from the ko_csrf cookie on writes only', async () => {
    document.cookie = 'ko_csrf=csrf_abc';
    const { calls } = fakeApi({
      'GET /api/v1/projects': { body: { items: [], total: 0, limit: 50, offset: 0 } },
      'POST /api/v1/projects': { status: 201, body: { id: 'p', name: 'x', description: '', created_at: '' } },
    });
    await call(api.GET('/api/v1/projects'));
    await call(api.POST('/api/v1/projects', { body: { name: 'x' } }));
    expect(calls[0].headers.get('X-CSRF-Token')).toBeNull();
    expect(calls[1].headers.get('X-CSRF-Token')).toBe('csrf_abc');
  });

  test('turns a 422 into an ApiError with its fields', async () => {
    fakeApi({
      'POST /api/v1/projects': {
        status: 422,
        body: { error: 'validation_error', detail: 'name: bad', fields: [{ field: 'name', message: 'bad' }] },
      },
    });
    const error = await call(api.POST('/api/v1/projects', { body: { name: 'X' } })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(422);
    expect((error as ApiError).fieldErrors()).toEqual([{ field: 'name', message: 'bad' }]);
  });

  test('an error with one field points at it', async () => {
    fakeApi({ 'POST /api/v1/projects': { status: 409, body: { error: 'conflict', detail: 'Taken.', field: 'name' } } });
    const error = (await call(api.POST('/api/v1/projects', { body: { name: 'x' } })).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('conflict');
    expect(error.fieldErrors()).toEqual([{ field: 'name', message: 'Taken.' }]);
  });

  test('a 401 outside login reports the lost session; a failed login does not', async () => {
    const handler = vi.fn();
    onUnauthorized(handler);
    fakeApi({
      'GET /api/v1/auth/me': { status: 401, body: { error: 'unauthorized', detail: 'Log in.' } },
      'POST /api/v1/auth/login': { status: 401, body: { error: 'unauthorized', detail: 'Wrong password.' } },
    });
    await call(api.POST('/api/v1/auth/login', { body: { username: 'a', password: 'b' } })).catch(() => {});
    expect(handler).not.toHaveBeenCalled();
    await call(api.GET('/api/v1/auth/me')).catch(() => {});
    expect(handler).toHaveBeenCalledOnce();
    onUnauthorized(undefined);
  });

  test('a network failure is an ApiError too', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    const error = (await call(api.GET('/api/v1/projects')).catch((e: unknown) => e)) as ApiError;
    expect(error.code).toBe('network_error');
  });
});
