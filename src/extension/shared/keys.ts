/**
 * Plain constants the content script needs. They live apart from `schema.ts` so that the
 * page badge imports no zod at all (type-only imports of the schema's types are free): the
 * worker validates everything it writes to the badge and everything a page sends it.
 */

/** Port a web page's content script opens when the page loads, to wake a stopped worker. */
export const WAKE_PORT = 'ringlet-wake';
/** `storage.local` flag: open `WAKE_PORT` on page load (set while signed in). */
export const WAKE_ON_PAGE_LOAD_KEY = 'wakeOnPageLoad';
/** `storage.local` key of the badge's view (`BadgeView`). */
export const BADGE_VIEW_KEY = 'badgeView';
/** The gzipped content script's size limit, in bytes (checked by `npm run build:ext` and a test). */
export const CONTENT_SCRIPT_MAX_GZIP = 4096;
