/**
 * A small HTTP client for the account endpoints over real sockets. `from` picks the local
 * loopback address (127.0.0.x), so a test can stand for several client addresses.
 */
import { request, type Agent } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

export interface PostOptions {
  headers?: Record<string, string>;
  /** Local address to send from, e.g. '127.0.0.2'. */
  from?: string;
  method?: string;
  /** A keep-alive agent (its own localAddress), for floods that should not pay a handshake per request. */
  agent?: Agent;
}

/** POSTs `body` (an object is sent as JSON with content-type application/json). */
export function post(base: string, path: string, body: unknown, o: PostOptions = {}): Promise<HttpAnswer> {
  const text = body === undefined ? '' : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers: Record<string, string> = { ...(typeof body === 'object' && !Buffer.isBuffer(body) ? { 'content-type': 'application/json' } : {}), ...o.headers };
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: o.method ?? 'POST', headers, ...(o.from ? { localAddress: o.from } : {}), agent: o.agent ?? false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = raw;
        try {
          parsed = raw === '' ? null : JSON.parse(raw);
        } catch {
          /* not JSON: keep the text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(text);
  });
}

/** Authorization header for a UserSig. */
export const bearer = (userSig: string) => ({ authorization: `Bearer ${userSig}` });
