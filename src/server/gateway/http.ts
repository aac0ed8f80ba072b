/**
 * The HTTP side of the gateway: health check, password accounts, and the WebSocket
 * upgrade (index.ts). Account endpoints take JSON bodies only, size-limited; CORS only
 * for extension origins (cors.ts); `/api/password` and `/api/logout` take the UserSig as
 * `Authorization: Bearer`. Docs: PROTOCOL.md "HTTP on the same port", SECURITY.md.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { Accounts, Caller } from '../auth/accounts.ts';
import { RetryLater } from '../auth/retry-later.ts';
import type { Logger } from '../log.ts';
import { clientAddress } from './client-address.ts';
import { applyCors } from './cors.ts';
import { HttpError, readJsonBody, sendJson } from './http-body.ts';

export interface HttpDeps {
  accounts: Accounts;
  log: Logger;
  health: () => { ok: boolean; sessions: number };
  maxBodyBytes: number;
  /** Take the client address from X-Forwarded-For (a reverse proxy in front). */
  trustProxy: boolean;
}

const ROUTES = {
  '/api/register': (a: Accounts, body: unknown, _bearer: string | null, c: Caller) => a.register(body, c),
  '/api/login': (a: Accounts, body: unknown, _bearer: string | null, c: Caller) => a.login(body, c),
  '/api/password': (a: Accounts, body: unknown, bearer: string | null, c: Caller) => a.setPassword(requireBearer(bearer), body, c),
  '/api/logout': (a: Accounts, body: unknown, bearer: string | null, c: Caller) => a.logout(requireBearer(bearer), body, c),
} as const;

export function httpHandler(deps: HttpDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void route(deps, req, res).catch((err: unknown) => {
      deps.log.error({ err }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { code: ErrorCode.INTERNAL, reason: 'internal', message: 'internal error' });
    });
  };
}

async function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    const h = deps.health();
    return sendJson(res, h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'unavailable', sessions: h.sessions });
  }
  const handler = Object.hasOwn(ROUTES, url.pathname) ? ROUTES[url.pathname as keyof typeof ROUTES] : undefined;
  if (!handler) return sendJson(res, 404, { code: ErrorCode.INVALID_PARAMETER, reason: 'path', message: `no route ${url.pathname}` });
  applyCors(req, res);
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end();
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    return sendJson(res, 405, { code: ErrorCode.INVALID_PARAMETER, reason: 'method', message: 'use POST' }, { allow: 'POST, OPTIONS' });
  }
  try {
    const body = await readJsonBody(req, res, deps.maxBodyBytes);
    const caller: Caller = { address: clientAddress(req, deps.trustProxy) };
    const data = await handler(deps.accounts, body, bearerOf(req), caller);
    return sendJson(res, 200, { code: 0, data });
  } catch (err) {
    if (!(err instanceof RingletError)) throw err;
    if (err instanceof RetryLater) return sendJson(res, err.status, err.toBody(), { 'retry-after': String(err.retryAfter) });
    const headers: Record<string, string> = err.code === ErrorCode.BAD_USER_SIG ? { 'www-authenticate': 'Bearer' } : {};
    return sendJson(res, err instanceof HttpError ? err.status : statusOf(err.code), err.toBody(), headers);
  }
}

function bearerOf(req: IncomingMessage): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m ? m[1]! : null;
}

function requireBearer(bearer: string | null): string {
  if (bearer === null) throw new RingletError(ErrorCode.BAD_USER_SIG, 'bad_user_sig', 'send the UserSig as Authorization: Bearer <userSig>');
  return bearer;
}

function statusOf(code: number): number {
  switch (code) {
    case ErrorCode.USER_EXISTS: return 409;
    case ErrorCode.BAD_CREDENTIALS: return 401;
    case ErrorCode.BAD_USER_SIG: return 401;
    case ErrorCode.REGISTRATION_DISABLED: return 403;
    default: return 400;
  }
}
