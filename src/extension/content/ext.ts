/**
 * The browser's own extension API for the content script, without webextension-polyfill
 * (about 3 KB gzipped on every page): the few calls made there return promises natively
 * in both Chrome MV3 (`chrome`) and Firefox (`browser`). wxt.config.ts also points WXT's
 * content-script runtime here.
 */
export const browser: typeof chrome = (globalThis as { browser?: typeof chrome }).browser ?? chrome;
