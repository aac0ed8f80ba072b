/**
 * Which server addresses the extension signs in to. The password goes to the server in an
 * HTTP POST on the same host, and every call's signaling on the WebSocket: over `ws://`
 * both travel in clear text, so plain `ws://` is refused unless the server is on this
 * computer (a loopback address: `npm start`'s default). Anything else must be `wss://`
 * (a TLS reverse proxy in front of the server: docs/DEPLOY.md). There is no override: a
 * test server on a LAN gets a certificate as easily (Caddy's `tls internal`).
 */
import type { MessageKey } from './i18n.ts';

/** Why an address is refused: a message key and its substitutions. */
export interface ServerURLProblem {
  key: MessageKey;
  subs: string[];
}

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** An example of the address to type instead, from what was typed (keeps host and port). */
function suggestion(url: URL): string {
  const secure = url.protocol === 'https:' || url.protocol === 'wss:' || !isLoopbackHost(url.hostname);
  return `${secure ? 'wss' : 'ws'}://${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/** Null when `raw` is an address the extension may sign in to, else why not. */
export function serverURLProblem(raw: string): ServerURLProblem | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { key: 'errorServerURLScheme', subs: ['wss://ringlet.example'] };
  }
  if (url.protocol === 'wss:') return null;
  if (url.protocol === 'ws:') return isLoopbackHost(url.hostname) ? null : { key: 'errorServerURLInsecure', subs: [url.host, suggestion(url)] };
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.host) return { key: 'errorServerURLScheme', subs: [suggestion(url)] };
  return { key: 'errorServerURLScheme', subs: ['wss://ringlet.example'] };
}
