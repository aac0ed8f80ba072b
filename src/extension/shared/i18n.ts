/**
 * Translations for every visible string, English and Simplified Chinese.
 * The catalogs are the extension's own `_locales` files (what Chrome and Firefox use for
 * the manifest), imported here so that the *language setting* can override the browser's
 * UI language, which `i18n.getMessage` cannot.
 * Placeholders are positional: `$1`, `$2`.
 */
import en from '../../../public/_locales/en/messages.json';
import zhCN from '../../../public/_locales/zh_CN/messages.json';

export type MessageKey = keyof typeof en;
export type Language = 'en' | 'zh_CN';
type Catalog = Record<string, { message: string } | undefined>;

const catalogs: Record<Language, Catalog> = { en, zh_CN: zhCN };
let current: Language = 'en';

/** Resolves the `language` setting ('auto' follows the browser). */
export function resolveLanguage(setting: 'auto' | Language, uiLanguage?: string): Language {
  if (setting !== 'auto') return setting;
  const ui = uiLanguage ?? (typeof navigator === 'undefined' ? 'en' : navigator.language);
  return ui.toLowerCase().startsWith('zh') ? 'zh_CN' : 'en';
}

export function setLanguage(lang: Language): void {
  current = lang;
  if (typeof document !== 'undefined') document.documentElement.lang = lang === 'zh_CN' ? 'zh-CN' : 'en';
}

export function getLanguage(): Language {
  return current;
}

/** The translated string; falls back to English, then to the key itself. */
export function t(key: MessageKey, ...subs: Array<string | number>): string {
  const entry = catalogs[current][key] ?? catalogs.en[key];
  const template = entry?.message ?? key;
  return template.replace(/\$(\d)/g, (_, n: string) => String(subs[Number(n) - 1] ?? ''));
}

/** Every key of a catalog (for the completeness test). */
export function catalogKeys(lang: Language): string[] {
  return Object.keys(catalogs[lang]);
}
