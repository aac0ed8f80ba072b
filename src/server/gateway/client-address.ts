/**
 * The client's address, for per-address limits and logs: the TCP peer, or, behind a
 * trusted reverse proxy (`trustProxy`), the address that proxy saw — the last entry of
 * `X-Forwarded-For`, the one the proxy itself appended (earlier entries are the client's
 * to forge). Never trust the header without a proxy in front: anyone could set it.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const peer = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  const last = value?.split(',').map((s) => s.trim()).filter(Boolean).at(-1);
  return last && isIP(last) !== 0 ? last : peer;
}
