import { configure } from '@testing-library/dom';
import { afterEach, beforeEach, vi } from 'vitest';
import i18n from '../i18n';

// findBy*/waitFor wait up to 1 s by default: too short for antd pages rendering in jsdom on a loaded
// 2-core CI machine (seen failing there); a real failure still fails, only later.
configure({ asyncUtilTimeout: 5000 });

const browserLike = typeof window !== 'undefined';

// jsdom lacks what antd's responsive and overflow helpers use.
if (browserLike) Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
class NoopResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= NoopResizeObserver as unknown as typeof ResizeObserver;

beforeEach(async () => {
  if (!browserLike) return;
  localStorage.clear();
  await i18n.changeLanguage('en-US');
});

afterEach(async () => {
  if (browserLike) (await import('@testing-library/react')).cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  if (!browserLike) return;
  document.cookie.split(';').forEach((c) => {
    const name = c.split('=')[0].trim();
    if (name) document.cookie = `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/`;
  });
});
