/**
 * Password accounts: the server's `POST /api/register` and `POST /api/login` on the same
 * host as the WebSocket URL. They return a userSig; the password goes no further.
 */
import type { AccountResult } from '../../protocol/accounts.ts';
import { accountErrorText } from './accountErrors.ts';
import { ViewError } from './errors.ts';

/** `ws://host:port/path` → `http://host:port`. */
export function httpBase(server: string): string {
  const url = new URL(server);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

/** What a sign-in gives: a server that predates device tokens sends none (null). */
export type SignInResult = Omit<AccountResult, 'deviceToken'> & { deviceToken: string | null };

/**
 * Registers (`create`) or signs in, and returns the userSig to log in with. Signing in
 * sends this device's token for the account when it has one (a known device gets through
 * a guessing flood that locks new ones out).
 */
export async function requestUserSig(
  server: string,
  userID: string,
  password: string,
  create: boolean,
  fetchImpl: typeof fetch = fetch,
  deviceToken: string | null = null,
): Promise<SignInResult> {
  const url = `${httpBase(server)}/api/${create ? 'register' : 'login'}`;
  let res: Response;
  try {
    res = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userID, password, ...(!create && deviceToken !== null ? { deviceToken } : {}) }),
    });
  } catch (cause) {
    throw new ViewError('unreachable', 'errorUnreachable', `cannot reach ${url}: ${String(cause)}`, [server]);
  }
  let body: { code?: number; reason?: string; data?: Partial<AccountResult> } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    /* not JSON: handled below */
  }
  const d = body.data;
  if (res.ok && body.code === 0 && typeof d?.userSig === 'string') {
    return { userID: d.userID ?? userID, userSig: d.userSig, expiresIn: d.expiresIn ?? 0, deviceToken: typeof d.deviceToken === 'string' ? d.deviceToken : null };
  }
  const { code, key, subs } = accountErrorText(res.status, body, res.headers.get('retry-after'));
  throw new ViewError(code, key, `${url} answered ${res.status} ${body.reason ?? ''}`.trim(), subs);
}

/** How a revocation went: `revoked`, or `unsupported` (a server without `/api/logout`). */
type Revocation = 'revoked' | 'unsupported';

/**
 * Signing out revokes the token held (`POST /api/logout`, the token as bearer), so a
 * copy of it is worthless afterwards. A server that predates the endpoint answers 404:
 * the sign-out still happens locally. Any other failure rejects (the caller logs it and
 * signs out locally all the same).
 */
export async function revokeUserSig(server: string, userSig: string, fetchImpl: typeof fetch = fetch): Promise<Revocation> {
  const url = `${httpBase(server)}/api/logout`;
  const res = await fetchImpl(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${userSig}` },
    body: JSON.stringify({}),
  });
  if (res.status === 404) return 'unsupported';
  let body: { code?: number; reason?: string } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    /* not JSON: handled below */
  }
  // 70001: the token was already dead (expired or revoked elsewhere): nothing left to revoke.
  if ((res.ok && body.code === 0) || body.code === 70001) return 'revoked';
  throw new ViewError(body.code ?? res.status, 'errorServer', `${url} answered ${res.status} ${body.reason ?? ''}`.trim(), [String(body.code ?? res.status)]);
}
