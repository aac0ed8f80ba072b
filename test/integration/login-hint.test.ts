/**
 * Issue 22: a node with too many logins in flight refuses the next with close code 1013
 * and a time to come back (`retry:<ms>`), and the SDK waits that long, not its own
 * backoff. A bus that holds one user's registration keeps that login in flight, so the
 * refusal does not depend on timing.
 */
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCode, retryAfterMs } from '../../src/protocol/close-codes.ts';
import { createChat, type Chat } from '../../src/sdk/index.ts';
import type { SocketLike } from '../../src/sdk/socket.ts';
import { startServer, type RingletServer } from '../../src/server/index.ts';
import type { Bus, SessionSink } from '../../src/server/hub/types.ts';
import { testStorage, type TestStorage } from '../support/backends.ts';
import { rawSocket } from './harness.ts';

/** Holds the registration of `holder`'s sessions until released. */
class HoldingBus implements Bus {
  #release: () => void = () => undefined;
  readonly #held = new Promise<void>((r) => (this.#release = r));
  #reach: () => void = () => undefined;
  /** Settles when the holder's registration has reached the bus (its login is in flight). */
  readonly reached = new Promise<void>((r) => (this.#reach = r));
  constructor(readonly inner: Bus, readonly holder: string) {}
  release(): void {
    this.#release();
  }
  async register(s: SessionSink): Promise<void> {
    if (s.userID === this.holder) {
      this.#reach();
      await this.#held;
    }
    return this.inner.register(s);
  }
  unregister: Bus['unregister'] = (s) => this.inner.unregister(s);
  publish: Bus['publish'] = (d) => this.inner.publish(d);
  revoke: Bus['revoke'] = (r) => this.inner.revoke(r);
  watchRevocations: Bus['watchRevocations'] = (l) => this.inner.watchRevocations(l);
  online: Bus['online'] = (u) => this.inner.online(u);
  close: Bus['close'] = () => this.inner.close();
}

describe('a node busy with logins says when to come back', () => {
  let db: TestStorage;
  let server: RingletServer;
  let bus!: HoldingBus;
  const chats: Chat[] = [];
  beforeAll(async () => {
    db = await testStorage('login-hint');
    server = await startServer({ port: 0, ...db.serverOptions, logLevel: 'error', limits: { loginsInFlight: 1 }, wrapBus: (b) => (bus = new HoldingBus(b, 'holder')) });
  });
  afterAll(async () => {
    bus?.release();
    for (const c of chats) await c.destroy().catch(() => undefined);
    await server?.close();
    await db?.cleanup();
  });

  it('refuses a login past the limit with 8040 logins_in_flight and close code 1013 retry:<ms>, and the SDK waits that long', async () => {
    // One login in flight: its registration is held.
    const holder = createChat({ server: server.url });
    chats.push(holder);
    const holding = holder.login({ userID: 'holder', userSig: await server.userSig('holder') });

    // Once its registration reaches the bus, the holder's login is in flight and stays there.
    await bus.reached;
    const s = await rawSocket(server.url);
    s.ws.send(JSON.stringify({ type: 'login', id: 'l', userID: 'probe', userSig: await server.userSig('probe') }));
    const refused = { res: await s.next((f) => f.type === 'res' && f.id === 'l'), closed: await s.closed };
    expect(refused.res).toMatchObject({ code: 8040, reason: 'logins_in_flight' });
    expect(refused.closed.code).toBe(CloseCode.TRY_AGAIN_LATER);
    const hint = retryAfterMs(refused.closed.code, refused.closed.reason);
    expect(hint).toBeGreaterThanOrEqual(100);

    // An SDK client whose own backoff would retry at once (0 spread, 1 ms minimum).
    const opened: number[] = [];
    const closes: Array<{ at: number; code: number; reason: string }> = [];
    let firstClose: () => void = () => undefined;
    const closedOnce = new Promise<void>((r) => (firstClose = r));
    const chat = createChat({
      server: server.url, reconnectSpreadMs: 0, backoffMinMs: 1, backoffMaxMs: 2, loginAttempts: 10,
      socketFactory: (url) => {
        opened.push(performance.now());
        const ws = new WebSocket(url);
        ws.on('close', (code, reason) => {
          closes.push({ at: performance.now(), code, reason: reason.toString() });
          firstClose();
        });
        return ws as unknown as SocketLike;
      },
    });
    chats.push(chat);
    const login = chat.login({ userID: 'waiter', userSig: await server.userSig('waiter') });
    // Refused at least once while the holder is in flight; then the holder finishes.
    await closedOnce;
    expect(closes[0]?.code).toBe(CloseCode.TRY_AGAIN_LATER);
    bus.release();
    await holding;
    await login;
    // Every retry after a 1013 came no sooner than its hint. How much later is not asserted
    // here: the jitter's bound (hint + 25 %) is reconnectDelay's, tested in login-storm.test.ts,
    // and what this machine adds on top of it is scheduling, not the SDK.
    for (let i = 0; i < closes.length; i++) {
      const c = closes[i]!;
      const wait = retryAfterMs(c.code, c.reason);
      if (wait === null || opened[i + 1] === undefined) continue;
      const gap = opened[i + 1]! - c.at;
      expect(gap).toBeGreaterThanOrEqual(wait - 5);
    }
  });
});
