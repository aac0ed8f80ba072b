/** Clients and event recorders for the cluster tests (SDK over the real socket). */
import { createChat, EVENT, TSignaling, type Chat } from '../../src/sdk/index.ts';
import { barrier } from '../support/barrier.ts';
import type { Cluster } from '../support/cluster.ts';

export const SIG = {
  NEW: TSignaling.NEW_INVITATION_RECEIVED,
  ACCEPTED: TSignaling.INVITEE_ACCEPTED,
  REJECTED: TSignaling.INVITEE_REJECTED,
  CANCELLED: TSignaling.INVITATION_CANCELLED,
  TIMEOUT: TSignaling.INVITATION_TIMEOUT,
} as const;

export interface Heard {
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  at: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One SDK instance for one device of a user, with every signaling event recorded. */
export class Device {
  readonly heard: Heard[] = [];
  readonly netStates: string[] = [];
  #waiters: { pred: (h: Heard) => boolean; resolve: (h: Heard) => void }[] = [];

  constructor(readonly userID: string, readonly chat: Chat, readonly label: string) {
    for (const name of Object.values(SIG)) {
      chat.addSignalingListener(name, (e: { data: unknown }) => this.#push({ name, data: e.data, at: Date.now() }));
    }
    chat.on(EVENT.NET_STATE_CHANGE, (e: { data: unknown }) => this.netStates.push(String((e.data as { state?: string } | undefined)?.state)));
  }

  #push(h: Heard): void {
    this.heard.push(h);
    for (const w of [...this.#waiters]) {
      if (w.pred(h)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(h);
      }
    }
  }

  /** Events named `name` about `inviteID`. */
  about(name: string, inviteID: string): Heard[] {
    return this.heard.filter((h) => h.name === name && h.data?.inviteID === inviteID);
  }

  /** Everything heard about `inviteID`, as event names in order. */
  namesFor(inviteID: string): string[] {
    return this.heard.filter((h) => h.data?.inviteID === inviteID).map((h) => h.name);
  }

  waitFor(name: string, inviteID: string, timeoutMs = 20_000): Promise<Heard> {
    const found = this.heard.find((h) => h.name === name && h.data?.inviteID === inviteID);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred: (h: Heard) => h.name === name && h.data?.inviteID === inviteID, resolve: (h: Heard) => (clearTimeout(t), resolve(h)) };
      const t = setTimeout(() => {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        reject(new Error(`${this.label}: no ${name} for ${inviteID} within ${timeoutMs} ms; heard ${JSON.stringify(this.heard.map((h) => [h.name, h.data?.inviteID]))}`));
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }
}

let n = 0;
export function uid(base: string): string {
  return `${base}_${++n}_${Math.random().toString(36).slice(2, 7)}`;
}

export class Devices {
  readonly all: Device[] = [];
  /** Per node URL: a device of a dedicated user that sends barrier messages. */
  #barrierSenders = new Map<string, Promise<Device>>();
  constructor(readonly cluster: Cluster) {}

  /**
   * Resolves once every event committed before the call for the users of `targets` has
   * reached each of those devices: a dedicated user on the node at `via` sends each user a
   * stored barrier message (test/support/barrier.ts), which takes the user's next seq; every
   * node passes a user's events in seq order, whichever node committed or published them.
   * Assert an absence after this, never after a sleep.
   */
  async barrier(via: string, ...targets: Device[]): Promise<void> {
    let sender = this.#barrierSenders.get(via);
    if (!sender) this.#barrierSenders.set(via, (sender = this.login(uid('barrier'), via, `barrier@${via}`)));
    const s = await sender;
    const byUser = new Map<string, Device[]>();
    for (const d of targets) byUser.set(d.userID, [...(byUser.get(d.userID) ?? []), d]);
    await Promise.all([...byUser].map(([user, ds]) => barrier(s.chat, user, ds, { stored: true, timeoutMs: 15_000 })));
  }

  /** Logs a device of `userID` in at `url` (a node or a proxy). */
  async login(userID: string, url: string, label = userID): Promise<Device> {
    const chat = createChat({ server: url });
    const d = new Device(userID, chat, label);
    this.all.push(d);
    await chat.login({ userID, userSig: await this.cluster.userSig(userID) });
    return d;
  }

  async destroyAll(): Promise<void> {
    this.#barrierSenders.clear();
    const list = this.all.splice(0);
    await Promise.all(list.map((d) => Promise.race([d.chat.destroy().catch(() => undefined), sleep(2000)])));
  }
}

/** Polls `fn` until it returns true (or throws after `timeoutMs`). */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
