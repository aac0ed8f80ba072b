/**
 * The one error logger of the extension. The same failure repeating (a server that is
 * down, a notification that cannot be shown) is logged once per minute, not per event.
 */
const seen = new Map<string, number>();

export function logError(where: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  const key = `${where}: ${message}`;
  const now = Date.now();
  const last = seen.get(key);
  if (last !== undefined && now - last < 60_000) return;
  seen.set(key, now);
  if (seen.size > 200) seen.clear();
  console.warn(`[ringlet] ${key}`);
}
