/**
 * Sign-in errors as a person reads them: requestUserSig against a real local HTTP server
 * answering like the Ringlet server (70003, 8001 `password`) or a throttling one (429 with
 * Retry-After), translated by the worker's message channel.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestUserSig } from '../../src/extension/background/accounts.ts';
import { RATE_LIMITED, retryAfterSeconds } from '../../src/extension/background/accountErrors.ts';
import { toFailure } from '../../src/extension/messaging/worker.ts';
import { failureView, passwordTooShort } from '../../src/extension/ui/options/signInErrors.ts';
import { levelOf } from '../../src/extension/ui/options/audioLevel.ts';
import { setLanguage } from '../../src/extension/shared/i18n.ts';

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
let next: Answer;
let http: Server;
let server: string;

beforeAll(async () => {
  http = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(JSON.stringify(next.body)));
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  server = `ws://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => http.close(() => r())));

async function failure(answer: Answer, create = false) {
  next = answer;
  const err = await requestUserSig(server, 'dana', 'correct horse battery', create).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).not.toBeNull();
  return toFailure(err);
}

describe('sign-in errors', () => {
  it('70003 says "wrong" without telling which, and the form offers to create the account', async () => {
    setLanguage('en');
    const body = await failure({ status: 401, body: { code: 70003, reason: 'bad_credentials' } });
    expect(body).toEqual({ code: 70003, message: 'User ID or password is wrong.' });
    const unknown = { exists: false, signInFailed: true };
    expect(failureView(body.code, false, unknown)).toEqual({ key: null, offerCreate: true });
    expect(failureView(body.code, true, unknown)).toEqual({ key: null, offerCreate: false });
    expect(failureView(8001, false, unknown)).toEqual({ key: null, offerCreate: false });
  });

  it('an ID that registration says is taken: the password is wrong, and creation is not offered again', () => {
    // The offered "Create an account" after a failed sign-in answers 70002: the password was wrong.
    expect(failureView(70002, true, { exists: true, signInFailed: true })).toEqual({ key: 'errorPasswordWrongExisting', offerCreate: false });
    // "Create account" pressed first: the ID is taken, sign in if it is yours.
    expect(failureView(70002, true, { exists: true, signInFailed: false })).toEqual({ key: 'errorUserExistsSignIn', offerCreate: false });
    // Signing in again with a wrong password: no offer to create an existing account.
    expect(failureView(70003, false, { exists: true, signInFailed: true })).toEqual({ key: 'errorPasswordWrongExisting', offerCreate: false });
  });

  it('a password outside the rule states the rule (8001 `password`)', async () => {
    setLanguage('en');
    expect(await failure({ status: 400, body: { code: 8001, reason: 'password' } }, true)).toEqual({ code: 8001, message: 'The password needs 8 to 256 characters.' });
    expect(passwordTooShort('1234567')).toBe(true);
    expect(passwordTooShort('12345678')).toBe(false);
    setLanguage('zh_CN');
    expect((await failure({ status: 400, body: { code: 8001, reason: 'password' } }, true)).message).toBe('密码需要 8 到 256 个字符。');
    setLanguage('en');
  });

  it('429 reads Retry-After (seconds or a date); without it, "later"', async () => {
    setLanguage('en');
    expect(await failure({ status: 429, body: { code: 8040, reason: 'login_attempts' }, headers: { 'retry-after': '7' } })).toEqual({
      code: RATE_LIMITED,
      message: 'Too many attempts, try again in 7 s.',
    });
    expect(await failure({ status: 429, body: {} })).toEqual({ code: RATE_LIMITED, message: 'Too many attempts, try again later.' });
    expect(retryAfterSeconds(new Date(Date.UTC(2030, 0, 1, 0, 0, 30)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(30);
    expect(retryAfterSeconds('soon')).toBeNull();
  });

  it('the mic level is 0 for silence and rises with the signal', () => {
    expect(levelOf(new Float32Array(256))).toBe(0);
    const tone = Float32Array.from({ length: 256 }, (_, i) => 0.1 * Math.sin(i / 3));
    expect(levelOf(tone)).toBeGreaterThan(0.1);
    expect(levelOf(Float32Array.from({ length: 8 }, () => 1))).toBe(1);
  });
});
