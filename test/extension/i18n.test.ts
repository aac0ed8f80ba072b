import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogKeys, resolveLanguage, setLanguage, t } from '../../src/extension/shared/i18n.ts';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : /\.(tsx?)$/.test(f) ? [p] : [];
  });
}

describe('i18n', () => {
  it('has every English key in Simplified Chinese and no extra ones', () => {
    expect(catalogKeys('zh_CN').sort()).toEqual(catalogKeys('en').sort());
  });

  it('defines every key the code uses', () => {
    const keys = new Set(catalogKeys('en'));
    const used = new Set<string>();
    for (const file of [...sources('src/extension'), ...sources('entrypoints')]) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([A-Za-z0-9_]+)'/g)) used.add(m[1]!);
      for (const m of text.matchAll(/'((?:notice|error)[A-Z][A-Za-z]+)'/g)) used.add(m[1]!);
    }
    const manifest = readFileSync('wxt.config.ts', 'utf8');
    for (const m of manifest.matchAll(/__MSG_([A-Za-z0-9_]+)__/g)) used.add(m[1]!);
    expect([...used].filter((k) => !keys.has(k) && k !== 'noticeDismissed')).toEqual([]);
  });

  it('substitutes placeholders and follows the language setting', () => {
    setLanguage('zh_CN');
    expect(t('badgeCalling', 'Alice')).toBe('Alice 来电');
    setLanguage(resolveLanguage('auto', 'en-US'));
    expect(t('badgeCalling', 'Alice')).toBe('Alice is calling');
    expect(resolveLanguage('auto', 'zh-TW')).toBe('zh_CN');
  });
});
