/**
 * A worker's phone on the real SDK (for tests against a real server): records the
 * connection states its views were shown, the SDK sessions it created and the first
 * logins the SDK gave up on.
 */
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import type { ServerOptions } from '../../src/server/index.ts';
import { resetToolbarCache } from '../../src/extension/background/toolbar.ts';
import { resetBadgeViewCache } from '../../src/extension/background/badge-view.ts';
import { startHarness, type Client, type Harness } from '../integration/harness.ts';
import { createChat, type CreateChatOptions } from '../../src/sdk/index.ts';
import { Phone } from '../../src/extension/background/phone.ts';
import type { CreateChat } from '../../src/extension/background/session.ts';
import { silentRingtone } from '../../src/extension/background/ringtone.ts';
import type { Connection } from '../../src/extension/shared/schema.ts';

/** The worker's options (sdk.ts: the first login keeps trying), with a short backoff for tests. */
export const WORKER_OPTIONS: Omit<CreateChatOptions, 'server'> = { backoffMinMs: 50, backoffMaxMs: 300, loginAttempts: Infinity };

/** Resolves once `done()` holds (checked every 10 ms); fails after 20 s (a loaded machine's bound, not a speed) naming `what`. */
export async function poll(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`${what} never happened`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function bootPhone(options: Omit<CreateChatOptions, 'server'> = WORKER_OPTIONS) {
  let sessions = 0;
  let gaveUp = 0;
  const chats: Array<ReturnType<typeof createChat>> = [];
  const create: CreateChat = (o) => {
    sessions++;
    const chat = createChat({ ...o, ...options });
    const login = chat.login.bind(chat);
    chat.login = (credentials) => login(credentials).catch((e: unknown) => {
      gaveUp++;
      throw e;
    });
    chats.push(chat);
    return chat;
  };
  const ringtone = silentRingtone();
  const openCallPage = vi.fn(async () => undefined);
  const phone = new Phone({ createChat: create, ringtone, openCallPage });
  const connections: Connection[] = [];
  phone.subscribe((s) => {
    if (connections.at(-1) !== s.connection) connections.push(s.connection);
  });
  return {
    phone, connections, ringtone, openCallPage,
    until: (c: Connection) => poll(() => phone.connection === c, `${c} (went ${connections.join(' → ')})`),
    sessions: () => sessions,
    /** Resolves once `n` first logins have been given up on by the SDK. */
    gaveUp: (n: number) => poll(() => gaveUp >= n, `${n} given-up logins`),
    destroy: () => Promise.all(chats.map((c) => c.destroy())),
  };
}

/** A worker signed in as `userID`, a new password account it creates on `server`. The caller destroys it. */
export async function signedInPhone(server: string, userID: string): Promise<ReturnType<typeof bootPhone> & { userID: string }> {
  const w = bootPhone();
  try {
    await w.phone.ready;
    await w.phone.handle({ type: 'account/signIn', server, userID, password: 'password-1', create: true });
  } catch (err) {
    await w.destroy();
    throw err;
  }
  return { ...w, userID };
}

/**
 * The fixture of the worker-on-a-real-server suites: a server (with `options`), alice as an
 * SDK client, and `bob()`, a new signed-in worker each call (bob1, bob2, …), all closed after
 * the file; the fake browser and the worker's caches are reset before each test.
 */
export function workersOnServer(options: ServerOptions = {}) {
  const phones: Array<ReturnType<typeof bootPhone>> = [];
  let n = 0;
  const env = {
    h: undefined as unknown as Harness,
    alice: undefined as unknown as Client,
    /** bob<n>'s worker, signed in with a password account created on the server. */
    async bob() {
      const w = await signedInPhone(env.h.server.url, `bob${++n}`);
      phones.push(w);
      return w;
    },
  };
  beforeAll(async () => {
    env.h = await startHarness(options);
    env.alice = await env.h.client('alice');
  });
  afterAll(async () => {
    for (const p of phones) await p.destroy();
    await env.h?.close();
  });
  beforeEach(() => {
    fakeBrowser.reset();
    resetToolbarCache();
    resetBadgeViewCache();
  });
  return env;
}
