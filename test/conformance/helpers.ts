/**
 * Shared harness for the conformance suite: one real server per test file on a real
 * SQLite file in a fresh tmp dir, real SDK clients over the real socket, and an event
 * recorder per client. Everything here is written from `API.md` only.
 */
import { afterAll, afterEach, beforeAll, expect, vi } from 'vitest';
import { startServer } from '../../src/server/index.ts';
import { testStorage, type TestStorage } from '../support/backends.ts';
import { barrierToken, newBarrierToken, sendBarrier } from '../support/barrier.ts';
import { createChat, EVENT, TSignaling } from '../../src/sdk/index.ts';

export { EVENT, TSignaling };

/* eslint-disable @typescript-eslint/no-explicit-any */

/** One event as a handler received it. `name` is the constant we registered for. */
export interface Recorded {
  name: string;
  /** the `name` field the handler actually received */
  reportedName: unknown;
  data: any;
}

/** The client surface of API.md, typed loosely so the tests check the contract, not the implementation's types. */
export interface ChatLike {
  login(o: { userID: string; userSig: string }): Promise<any>;
  logout(): Promise<any>;
  destroy(): Promise<any>;
  invite(o: any): Promise<any>;
  inviteInGroup(o: any): Promise<any>;
  cancel(o: any): Promise<any>;
  accept(o: any): Promise<any>;
  reject(o: any): Promise<any>;
  getPendingInvitations(): Promise<any>;
  /** Ringlet additions (API.md "Transfer and add someone"). */
  transferCall(o: any): Promise<any>;
  addToCall(o: any): Promise<any>;
  addToBlacklist(o: any): Promise<any>;
  modifyInvitation(o: any): Promise<any>;
  getInvitation(o: any): Promise<any>;
  addSignalingListener(name: string, handler: (e: any) => void): void;
  removeSignalingListener(name: string, handler: (e: any) => void): void;
  on(name: string, handler: (e: any) => void): void;
  off(name: string, handler: (e: any) => void): void;
  createGroup(o: any): Promise<any>;
  joinGroup(o: any): Promise<any>;
  quitGroup(groupID: string): Promise<any>;
  dismissGroup(groupID: string): Promise<any>;
  addGroupMember(o: any): Promise<any>;
  deleteGroupMember(o: any): Promise<any>;
  getGroupList(): Promise<any>;
  getGroupProfile(o: any): Promise<any>;
  getGroupMemberList(o: any): Promise<any>;
  getMessageList(o: any): Promise<any>;
  getConversationList(): Promise<any>;
  setMessageRead(o: any): Promise<any>;
  createCustomMessage(o: any): any;
  sendMessage(message: any, options?: any): Promise<any>;
}

export const SIGNALING_EVENTS = [
  'NEW_INVITATION_RECEIVED',
  'INVITEE_ACCEPTED',
  'INVITEE_REJECTED',
  'INVITATION_CANCELLED',
  'INVITATION_TIMEOUT',
  'INVITATION_MODIFIED',
] as const;

/** Short names used by the tests for the five signaling events. */
export const NEW = 'newInvitationReceived';
export const ACCEPTED = 'ts_invitee_accepted';
export const REJECTED = 'ts_invitee_rejected';
export const CANCELLED = 'ts_invitation_cancelled';
export const TIMEOUT = 'ts_invitation_timeout';
/** modifyInvitation's event (Tencent's name; Ringlet's rules in API.md "modifyInvitation"). */
export const MODIFIED = 'ts_invitation_modified';

export const IM_EVENTS = ['SDK_READY', 'NET_STATE_CHANGE', 'KICKED_OUT', 'GROUP_LIST_UPDATED', 'MESSAGE_RECEIVED'] as const;

/**
 * Generous upper bound for something that must happen. Never a speed assertion: it is half
 * the test timeout, so a loaded 2-core machine (CI) fails a test only when the thing never
 * comes, and the message says what was awaited.
 */
export const WAIT_MS = 15_000;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Pred = (e: Recorded) => boolean;

/** The tokens of the barrier messages (test/support/barrier.ts) in an event; the recorder keeps them out of `events`. */
function barrierTokens(e: Recorded): string[] {
  if (e.name !== 'MESSAGE_RECEIVED' || !Array.isArray(e.data)) return [];
  return e.data.map(barrierToken).filter((t: string | null): t is string => t !== null);
}

/** Collects every signaling and IM event one client hears. */
export class Recorder {
  readonly events: Recorded[] = [];
  #waiters: { pred: Pred; resolve: (e: Recorded) => void }[] = [];
  readonly #barriers = new Map<string, () => void>();
  /** Set by the harness: makes the server send this client a barrier message with `token`. */
  sendBarrier: ((token: string) => Promise<void>) | undefined;
  constructor(readonly label: string) {}

  push(e: Recorded): void {
    const tokens = barrierTokens(e);
    if (tokens.length > 0) {
      for (const t of tokens) this.#barriers.get(t)?.();
      if (tokens.length === e.data.length) return; // only barrier messages: not part of what the test heard
    }
    this.events.push(e);
    for (const w of [...this.#waiters]) {
      if (w.pred(e)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  }

  /** Resolves with the first recorded event (past or future) matching `pred`. */
  waitFor(pred: Pred, timeoutMs = WAIT_MS, what = 'a matching event'): Promise<Recorded> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (e: Recorded) => {
          clearTimeout(t);
          resolve(e);
        },
      };
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`${this.label}: timed out after ${timeoutMs} ms waiting for ${what}; heard: ${this.dump()}`));
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }

  /** Waits for the signaling event `name` about invitation `inviteID` (and optional extra predicate). */
  waitSig(name: string, inviteID: string, extra: (d: any) => boolean = () => true, timeoutMs = WAIT_MS): Promise<any> {
    return this.waitFor(
      (e) => e.name === name && e.data?.inviteID === inviteID && extra(e.data),
      timeoutMs,
      `${name} for ${inviteID}`,
    ).then((e) => e.data);
  }

  /** Every recorded event matching. */
  all(pred: Pred): Recorded[] {
    return this.events.filter(pred);
  }

  sig(name: string, inviteID: string): any[] {
    return this.events.filter((e) => e.name === name && e.data?.inviteID === inviteID).map((e) => e.data);
  }

  /** Every signaling event about one invitation, in arrival order. */
  about(inviteID: string): Recorded[] {
    return this.events.filter((e) => e.data?.inviteID === inviteID);
  }

  /**
   * Resolves once every event committed for this client's user before the call has reached
   * this client: the server sends it a message (online-only, so no history or unread count
   * changes) that it delivers after them, in commit order (API.md rule 6 and Connection).
   * The client must be logged in and connected.
   */
  async barrier(): Promise<void> {
    if (!this.sendBarrier) throw new Error(`${this.label}: no barrier sender`);
    const token = newBarrierToken();
    const arrived = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        this.#barriers.delete(token);
        reject(new Error(`${this.label}: barrier message did not arrive within ${WAIT_MS} ms (is the client connected?)`));
      }, WAIT_MS);
      this.#barriers.set(token, () => {
        clearTimeout(t);
        this.#barriers.delete(token);
        resolve();
      });
    });
    await this.sendBarrier(token);
    await arrived;
  }

  /**
   * Asserts that nothing matching was heard, after a barrier (see `barrier`): an event that
   * was committed before this call and must not reach the client would have arrived first.
   */
  async expectNoEvent(pred: Pred, what = 'no such event'): Promise<void> {
    await this.barrier();
    const hits = this.events.filter(pred);
    expect(hits, `${this.label} should have heard ${what}; heard: ${this.dump()}`).toEqual([]);
  }

  async expectNoSig(name: string, inviteID: string): Promise<void> {
    await this.expectNoEvent((e) => e.name === name && e.data?.inviteID === inviteID, `no ${name} for ${inviteID}`);
  }

  dump(): string {
    return JSON.stringify(this.events.map((e) => ({ name: e.name, data: e.data }))).slice(0, 3000);
  }
}

/** One SDK instance (one "session"/device) of one user. */
export interface Client {
  userID: string;
  chat: ChatLike;
  rec: Recorder;
  /** Logs in with a fresh userSig (unless given) */
  login(sig?: string): Promise<any>;
}

let seq = 0;
/** A user ID unique within the file, valid per rule 10. */
export function uid(base: string): string {
  seq += 1;
  return `${base}_${seq}_${Math.random().toString(36).slice(2, 6)}`;
}

export class Harness {
  server: any;
  readonly dir: string;
  readonly storage: string;
  /** clients created since the last `afterEach` */
  #clients: Client[] = [];
  #all: Client[] = [];
  /** The user whose online-only messages serve as barriers, logged in to the current server URL. */
  #barrierSender: { url: string; client: Promise<Client> } | undefined;

  readonly #db: TestStorage;

  private constructor(db: TestStorage, server: any) {
    this.#db = db;
    this.dir = db.dir;
    this.storage = db.storage;
    this.server = server;
  }

  /** A server on a fresh store: a SQLite file, or a PostgreSQL database when RINGLET_TEST_BACKEND=postgres. */
  static async start(): Promise<Harness> {
    const db = await testStorage('conformance');
    const server = await startServer({ port: 0, ...db.serverOptions });
    return new Harness(db, server);
  }

  get url(): string {
    return this.server.url;
  }

  get port(): number {
    return Number(new URL(this.server.url).port);
  }

  /** Registers a user (userSig registers the account) and returns a valid ID. */
  async user(base: string): Promise<string> {
    const id = uid(base);
    await this.server.userSig(id, 3600);
    return id;
  }

  async users(...bases: string[]): Promise<string[]> {
    return Promise.all(bases.map((b) => this.user(b)));
  }

  /**
   * A new SDK instance for `userID` with a recorder attached before login; logs in unless
   * `login: false`. Destroyed after the test unless `keep` (then when the file ends).
   */
  async client(userID: string, opts: { login?: boolean; label?: string; server?: string; keep?: boolean } = {}): Promise<Client> {
    const chat = createChat({ server: opts.server ?? this.url }) as unknown as ChatLike;
    const rec = new Recorder(opts.label ?? userID);
    // contract reading: listeners may be added before login, so an invitation that is
    // re-announced at login is heard.
    for (const key of SIGNALING_EVENTS) {
      const name = (TSignaling as any)[key] as string;
      chat.addSignalingListener(name, (e: any) => rec.push({ name, reportedName: e?.name, data: e?.data }));
    }
    for (const key of IM_EVENTS) {
      const name = (EVENT as any)[key] as string;
      if (name === undefined) continue;
      chat.on(name, (e: any) => rec.push({ name: key, reportedName: e?.name, data: e?.data }));
    }
    const c: Client = {
      userID,
      chat,
      rec,
      login: async (sig?: string) => chat.login({ userID, userSig: sig ?? (await this.server.userSig(userID, 3600)) }),
    };
    rec.sendBarrier = (token) => this.#sendBarrier(userID, token);
    this.#all.push(c);
    if (opts.keep !== true) this.#clients.push(c);
    if (opts.login !== false) await c.login();
    return c;
  }

  /** Sends `token` to `userID` as an online-only C2C message from a dedicated user. */
  async #sendBarrier(userID: string, token: string): Promise<void> {
    if (this.#barrierSender?.url !== this.url) {
      const url = this.url;
      this.#barrierSender = { url, client: this.user('barrier').then((id) => this.client(id, { keep: true, label: 'barrier' })) };
    }
    const sender = await this.#barrierSender.client;
    await sendBarrier(sender.chat, userID, token);
  }

  /**
   * Ringlet, not the contract: someone added to a group by another user must consent unless
   * they have the adder as a contact (the project's docs/API.md, "Group consent"). The
   * people in these tests know each other: each member adds the adder as a contact first,
   * through a short session of its own, so the contract's adds take effect at once.
   */
  async acquaint(adderID: string, memberIDs: readonly string[]): Promise<void> {
    await Promise.all(
      memberIDs.map(async (userID) => {
        const chat = createChat({ server: this.url }) as unknown as ChatLike & { addContact(o: { userID: string }): Promise<any> };
        try {
          await chat.login({ userID, userSig: await this.server.userSig(userID, 600) });
          await chat.addContact({ userID: adderID });
          // The server ends the session before its logout reply leaves: the member is offline again.
          await chat.logout();
        } finally {
          await chat.destroy();
        }
      }),
    );
  }

  /** Registers a user and logs one client in. */
  async online(base: string): Promise<Client> {
    return this.client(await this.user(base));
  }

  /** Closes the server and starts it again on the same SQLite file (optionally the same port). */
  async restart(opts: { samePort?: boolean; downMs?: number } = {}): Promise<void> {
    const port = this.port;
    await this.server.close();
    if (opts.downMs) await sleep(opts.downMs);
    this.server = await startServer({ port: opts.samePort ? port : 0, ...this.#db.serverOptions });
  }

  /** Destroys the clients created since the last call. */
  async dropClients(): Promise<void> {
    const cs = this.#clients;
    this.#clients = [];
    await Promise.all(cs.map((c) => destroyQuietly(c)));
  }

  async close(): Promise<void> {
    await Promise.all(this.#all.map((c) => destroyQuietly(c)));
    try {
      await this.server?.close();
    } finally {
      await this.#db.cleanup();
    }
  }
}

async function destroyQuietly(c: Client): Promise<void> {
  try {
    await Promise.race([c.chat.destroy(), sleep(2000)]);
  } catch {
    /* cleanup only */
  }
}

/** The file's harness (one per file), for helpers that take no harness: makeGroup's acquaint. */
let current: Harness | undefined;

/** Registers the per-file server lifecycle and returns an accessor. Clients are destroyed after each test. */
export function useHarness(): () => Harness {
  vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });
  let h: Harness | undefined;
  beforeAll(async () => {
    h = current = await Harness.start();
  });
  afterEach(async () => {
    await h?.dropClients();
  });
  afterAll(async () => {
    await h?.close();
  });
  return () => {
    if (!h) throw new Error('harness not started');
    return h;
  };
}

/**
 * Calls `fn`, asserts it did not throw synchronously, and that the promise rejects with an
 * Error carrying `code`, `reason` and a non-empty message. Returns the error.
 */
export async function expectError(fn: () => Promise<unknown>, code: number, reason?: string): Promise<any> {
  let p: Promise<unknown>;
  try {
    p = fn();
  } catch (e) {
    throw new Error(`call threw synchronously (the contract says it never does): ${String(e)}`);
  }
  expect(p, 'the call must return a promise').toBeInstanceOf(Promise);
  let err: any;
  let value: unknown;
  let rejected = false;
  try {
    value = await p;
  } catch (e) {
    rejected = true;
    err = e;
  }
  expect(rejected, `expected rejection with ${code}/${reason} but it resolved with ${safeJson(value)}`).toBe(true);
  expect(err, 'rejects with an Error').toBeInstanceOf(Error);
  expect({ code: err.code, reason: err.reason }, `error was: ${err?.message}`).toEqual({
    code,
    reason: reason ?? err.reason,
  });
  expect(typeof err.reason).toBe('string');
  expect(typeof err.message).toBe('string');
  expect(err.message.length).toBeGreaterThan(0);
  if (code === 8001 && reason) {
    // contract reading: "a message that names what was wrong" — for 8001 the message names the parameter.
    expect(err.message).toContain(reason);
  }
  return err;
}

/** Settles every promise and returns their outcomes in order. */
export async function settle<T>(ps: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(ps);
}

export function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v)?.slice(0, 500) ?? String(v);
  } catch {
    return String(v);
  }
}

/** Asserts the documented success shape of invite/cancel/accept/reject and returns the inviteID. */
export function expectOk(res: any, inviteID?: string): string {
  expect(res?.code, `response ${safeJson(res)}`).toBe(0);
  expect(typeof res.inviteID).toBe('string');
  expect(res.inviteID.length).toBeGreaterThan(0);
  if (inviteID !== undefined) expect(res.inviteID).toBe(inviteID);
  expect(res.data).toBeTypeOf('object');
  return res.inviteID;
}

/** `invite` that must succeed; returns the inviteID. */
export async function invite(c: Client, o: Record<string, unknown>): Promise<string> {
  return expectOk(await c.chat.invite(o));
}

export async function inviteInGroup(c: Client, o: Record<string, unknown>): Promise<string> {
  return expectOk(await c.chat.inviteInGroup(o));
}

/** Every message of a conversation, oldest first (pages with nextReqMessageID until isCompleted). */
export async function history(c: Client, conversationID: string): Promise<any[]> {
  const pages: any[][] = [];
  let next: string | undefined;
  for (let i = 0; i < 100; i++) {
    const res = await c.chat.getMessageList(next === undefined ? { conversationID, count: 15 } : { conversationID, nextReqMessageID: next, count: 15 });
    expect(res.code).toBe(0);
    pages.unshift(res.data.messageList);
    if (res.data.isCompleted) break;
    next = res.data.nextReqMessageID;
  }
  return pages.flat();
}

/** The TSignaling JSON of a message, or undefined if it is not one. */
export function signal(msg: any): any {
  if (msg?.type !== 'TIMCustomElem') return undefined;
  try {
    const j = JSON.parse(msg.payload?.data);
    return j && j.businessID === 1 ? j : undefined;
  } catch {
    return undefined;
  }
}

/** The signaling messages about one invitation in a conversation, oldest first. */
export async function signalsOf(c: Client, conversationID: string, inviteID: string): Promise<any[]> {
  return (await history(c, conversationID)).map(signal).filter((s) => s?.inviteID === inviteID);
}

export async function unread(c: Client, conversationID: string): Promise<number> {
  const res = await c.chat.getConversationList();
  expect(res.code).toBe(0);
  const conv = res.data.conversationList.find((x: any) => x.conversationID === conversationID);
  return conv ? conv.unreadCount : 0;
}

export async function pendingIDs(c: Client): Promise<string[]> {
  const res = await c.chat.getPendingInvitations();
  expect(res.code).toBe(0);
  return res.data.invitationList.map((x: any) => x.inviteID);
}

export async function pending(c: Client, inviteID: string): Promise<any | undefined> {
  const res = await c.chat.getPendingInvitations();
  expect(res.code).toBe(0);
  return res.data.invitationList.find((x: any) => x.inviteID === inviteID);
}

/** Creates a group owned by `owner` with `members` added; returns the groupID. */
export async function makeGroup(owner: Client, members: string[], name = 'g'): Promise<string> {
  const groupID = uid('grp');
  const res = await owner.chat.createGroup({ name, groupID });
  expect(res.code).toBe(0);
  expect(res.data.group.groupID).toBe(groupID);
  if (members.length > 0) {
    await current?.acquaint(owner.userID, members);
    const add = await owner.chat.addGroupMember({ groupID, userIDList: members });
    expect(add.code).toBe(0);
  }
  return groupID;
}

export const sorted = (xs: string[]) => [...xs].sort();

/**
 * A TCP proxy between a client and the server, to drop a client's connection while the
 * server stays up. `drop()` cuts every connection and refuses new ones until `resume()`.
 */
export interface Proxy {
  url: string;
  drop(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startProxy(serverUrl: string): Promise<Proxy> {
  const net = await import('node:net');
  const target = new URL(serverUrl);
  const sockets = new Set<import('node:net').Socket>();
  let down = false;
  const srv = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', kill).on('close', kill);
    upstream.on('error', kill).on('close', kill);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as import('node:net').AddressInfo).port;
  const url = new URL(serverUrl);
  url.port = String(port);
  return {
    url: url.toString().replace(/\/$/, serverUrl.endsWith('/') ? '/' : ''),
    drop() {
      down = true;
      for (const s of sockets) s.destroy();
      sockets.clear();
    },
    resume() {
      down = false;
    },
    close: () =>
      new Promise<void>((r) => {
        down = true;
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}
