/**
 * The HTTP side of the gateway: health check, password accounts, and the WebSocket
 * upgrade. Bodies are size-limited JSON; CORS is open on /api/* (no cookies are used,
 * so an extension needs no host permission to reach it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { Accounts } from '../auth/accounts.ts';
import type { Logger } from '../log.ts';

const MAX_BODY = 16 * 1024;

export interface HttpDeps {
  accounts: Accounts;
  log: Logger;
  health: () => { ok: boolean; sessions: number };
}

export function httpHandler(deps: HttpDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    void route(deps, req, res).catch((err: unknown) => {
      deps.log.error({ err }, 'http handler failed');
      if (!res.headersSent) send(res, 500, { code: ErrorCode.INTERNAL, reason: 'internal', message: 'internal error' });
    });
  };
}

async function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz' && (req.method === 'GET' || req.method === 'HEAD')) {
    const h = deps.health();
    return send(res, h.ok ? 200 : 503, { status: h.ok ? 'ok' : 'unavailable', sessions: h.sessions });
  }
  if (url.pathname === '/api/register' || url.pathname === '/api/login') {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST');
      res.setHeader('Access-Control-Allow-Headers', 'content-type');
      res.writeHead(204).end();
      return;
    }
    if (req.method !== 'POST') return send(res, 405, { code: ErrorCode.INVALID_PARAMETER, reason: 'method', message: 'use POST' });
    try {
      const body = await readJson(req);
      const result = url.pathname === '/api/register' ? await deps.accounts.register(body) : await deps.accounts.login(body);
      return send(res, 200, { code: 0, data: result });
    } catch (err) {
      if (!(err instanceof RingletError)) throw err;
      return send(res, statusOf(err.code), err.toBody());
    }
  }
  send(res, 404, { code: ErrorCode.INVALID_PARAMETER, reason: 'path', message: `no route ${url.pathname}` });
}

function statusOf(code: number): number {
  switch (code) {
    case ErrorCode.USER_EXISTS: return 409;
    case ErrorCode.BAD_CREDENTIALS: return 401;
    case ErrorCode.REGISTRATION_DISABLED: return 403;
    default: return 400;
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new RingletError(ErrorCode.INVALID_PARAMETER, 'body', `body larger than ${MAX_BODY} bytes`));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new RingletError(ErrorCode.INVALID_PARAMETER, 'body', 'body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
