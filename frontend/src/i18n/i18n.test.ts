import { afterEach, describe, expect, test, vi } from 'vitest';
import en from './en';
import zh from './zh';
import { detectLanguage } from '.';

function leaves(obj: object, prefix = ''): [string, unknown][] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? leaves(v as object, `${prefix}${k}.`) : [[`${prefix}${k}`, v] as [string, unknown]],
  );
}

describe('translations', () => {
  test('Chinese and English have the same keys, every one a non-empty string', () => {
    const enLeaves = leaves(en);
    const zhLeaves = leaves(zh);
    expect(zhLeaves.map(([k]) => k).sort()).toEqual(enLeaves.map(([k]) => k).sort());
    for (const [key, value] of [...enLeaves, ...zhLeaves]) {
      expect(typeof value === 'string' && value.trim() !== '', key).toBe(true);
    }
  });

  test('the same placeholders in both languages', () => {
    const zhMap = new Map(leaves(zh));
    for (const [key, value] of leaves(en)) {
      const names = (s: unknown) => [...String(s).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
      expect(names(zhMap.get(key)), key).toEqual(names(value));
    }
  });
});

describe('detectLanguage', () => {
  afterEach(() => vi.restoreAllMocks());

  test('follows the browser: any Chinese gives zh-CN, else English', () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['zh-TW', 'en']);
    expect(detectLanguage()).toBe('zh-CN');
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['fr-FR', 'de']);
    expect(detectLanguage()).toBe('en-US');
  });

  test('a saved choice wins over the browser', () => {
    vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['en-US']);
    localStorage.setItem('ko.language', 'zh-CN');
    expect(detectLanguage()).toBe('zh-CN');
  });
});
