/**
 * SFU rooms in a cluster (several nodes on one Redis): each call's room belongs to one
 * node, its owner, which holds the room's state (grants, feed ids, the floor, the
 * observer; rooms.ts). The owner is recorded in Redis (`<prefix>sfu:owner:<callID>`, set
 * once by the first grant, kept alive by the owner while the room is open, gone `ttlMs`
 * after it stops); the other nodes forward the room's work to it over Redis pub/sub
 * (`<prefix>sfu:rpc:<node>`) and await its answer (`<prefix>sfu:reply:<node>`).
 *
 * A removal from a group is broadcast to every node (`<prefix>sfu:revoke`): each revokes
 * the removed members' grants in the rooms it holds for that group's calls.
 *
 * A node that is gone (nobody subscribed to its channel) loses its claims at the next
 * grant: the claim is dropped (only if it still names that node) and taken by the asker,
 * which opens a new room; the old room's participants rejoin through their windows. A
 * node alive but not answering within `timeoutMs` is an error (`sfu_unavailable`), never
 * a silent drop.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { SfuJoin } from '../../protocol/sfu.ts';
import { redisClient } from '../hub/redis-client.ts';
import type { Logger } from '../log.ts';
import type { FloorState, RoomHolder } from './policy.ts';

/** The work of one call's room, run on its owner. */
export type RoomWork =
  | { op: 'grant'; callID: string; userID: string; role: SfuJoin['role']; floor: FloorState; holder: RoomHolder }
  | { op: 'floor'; callID: string; action: string; by: string }
  | { op: 'revoke'; callID: string; groupID: string; userIDs: string[] }
  | { op: 'speakerOf' | 'joined' | 'roomOf'; callID: string };

const short = z.string().min(1).max(200);
const userIDs = z.array(short).max(1000);
const roomWork = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('grant'), callID: short, userID: short, role: z.enum(['teacher', 'student', 'member']),
    floor: z.object({ classroom: z.boolean(), teacher: short, speaker: short.nullable() }),
    holder: z.object({ inviter: short, groupID: short }),
  }),
  z.object({ op: z.literal('floor'), callID: short, action: short, by: short }),
  z.object({ op: z.literal('revoke'), callID: short, groupID: short, userIDs }),
  z.object({ op: z.enum(['speakerOf', 'joined', 'roomOf']), callID: short }),
]);
const revocation = z.object({ from: short, groupID: short, userIDs: userIDs.nullable() });
const request = z.object({ id: z.number().int(), from: short, work: roomWork });
const reply = z.object({
  id: z.number().int(),
  value: z.unknown().optional(),
  error: z.object({ code: z.number().int(), reason: z.string(), message: z.string() }).optional(),
});

export type RoomWorker = (work: RoomWork) => Promise<unknown>;

export interface RoomOwnersOptions {
  nodeID: string;
  log: Logger;
  /** Key and channel prefix; default 'ringlet:' (as the Redis bus). */
  prefix?: string;
  /** How long a claim outlives its owner's last refresh. Default 15 s. */
  ttlMs?: number;
  /** How long a forwarded piece of work may take. Default 10 s (a grant may open a room). */
  timeoutMs?: number;
}

/** Returns the claim's owner, claiming it for ARGV[1] when there is none (ARGV[3] = '1'). */
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v or ARGV[3] ~= '1' then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return ARGV[1]`;
/** Deletes the claim only while it still names ARGV[1]. */
const DROP = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
/** Renews the claims in KEYS that still name ARGV[1]. */
const RENEW = `for _, k in ipairs(KEYS) do if redis.call('GET', k) == ARGV[1] then redis.call('PEXPIRE', k, ARGV[2]) end end return 0`;

type Pending = { resolve(v: unknown): void; reject(e: unknown): void; timer: ReturnType<typeof setTimeout> };

export class RoomOwners {
  readonly #cmd: Redis;
  readonly #sub: Redis;
  readonly #o: Required<RoomOwnersOptions>;
  #worker: RoomWorker = () => Promise.reject(new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the SFU is starting'));
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  #closed = false;
  /** Runs another node's revocation on the rooms this node holds (SfuService). */
  onRevoke: ((groupID: string, userIDs: readonly string[] | null) => Promise<unknown> | undefined) | null = null;

  private constructor(url: string, o: Required<RoomOwnersOptions>) {
    this.#o = o;
    this.#cmd = redisClient(url, `ringlet-${o.nodeID}-sfu`, { commandTimeout: 3000 });
    this.#sub = redisClient(url, `ringlet-${o.nodeID}-sfu-sub`);
  }

  static async connect(url: string, options: RoomOwnersOptions): Promise<RoomOwners> {
    const owners = new RoomOwners(url, { prefix: 'ringlet:', ttlMs: 15_000, timeoutMs: 10_000, ...options });
    try {
      await owners.#start();
    } catch (err) {
      owners.#cmd.disconnect();
      owners.#sub.disconnect();
      throw err;
    }
    return owners;
  }

  /** Who runs the work of the rooms this node owns (SfuService). */
  set worker(w: RoomWorker) {
    this.#worker = w;
  }

  /**
   * Runs `work` on its call's owner: here when this node owns the call (or, for a grant,
   * claims it now, or when nobody owns it: the work then finds no room), else on the owner.
   */
  async run(work: RoomWork): Promise<unknown> {
    try {
      return await this.#run(work);
    } catch (err) {
      if (err instanceof RingletError) throw err;
      this.#o.log.warn({ err }, 'sfu: Redis failed while finding a room\'s node');
      throw new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the SFU rooms cannot be reached right now', { cause: err });
    }
  }

  async #run(work: RoomWork): Promise<unknown> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const owner = await this.#owner(work.callID, work.op === 'grant');
      if (owner === null || owner === this.#o.nodeID) return this.#worker(work);
      const answer = await this.#forward(owner, work);
      if (answer.gone === false) return answer.value;
      // Nobody listens on the owner's channel: that node is gone. Drop its claim (unless
      // someone else already did) and ask again.
      this.#o.log.warn({ call: work.callID, node: owner }, 'sfu: the node that owned a room is gone; its claim is dropped');
      await this.#cmd.eval(DROP, 1, this.#key(work.callID), owner);
    }
    throw new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'no node could take this call\'s SFU room');
  }

  /** Tells every other node that these members left `groupID` (null: it was dismissed). */
  async broadcastRevoke(groupID: string, userIDs: readonly string[] | null): Promise<void> {
    if (this.#closed) return;
    await this.#cmd.publish(this.#revokeChannel(), JSON.stringify({ from: this.#o.nodeID, groupID, userIDs }));
  }

  /** Keeps this node's claims on these calls (its open rooms) alive. */
  async renew(callIDs: readonly string[]): Promise<void> {
    if (callIDs.length === 0 || this.#closed) return;
    await this.#cmd.eval(RENEW, callIDs.length, ...callIDs.map((c) => this.#key(c)), this.#o.nodeID, String(this.#o.ttlMs));
  }

  /** Gives up this node's claims on these calls (their rooms are closed). */
  async release(callIDs: readonly string[]): Promise<void> {
    for (const c of callIDs) await this.#cmd.eval(DROP, 1, this.#key(c), this.#o.nodeID).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the server is shutting down'));
    }
    this.#pending.clear();
    this.#cmd.disconnect();
    this.#sub.disconnect();
  }

  #key(callID: string): string {
    return `${this.#o.prefix}sfu:owner:${callID}`;
  }
  #channel(kind: 'rpc' | 'reply', node: string): string {
    return `${this.#o.prefix}sfu:${kind}:${node}`;
  }
  #revokeChannel(): string {
    return `${this.#o.prefix}sfu:revoke`;
  }

  async #start(): Promise<void> {
    const { log } = this.#o;
    this.#cmd.on('error', (err) => log.debug({ err }, 'redis (sfu) error'));
    this.#sub.on('error', (err) => log.debug({ err }, 'redis (sfu sub) error'));
    this.#sub.on('message', (channel: string, text: string) => void this.#onMessage(channel, text));
    await Promise.all([this.#cmd.connect(), this.#sub.connect()]);
    await this.#sub.subscribe(this.#channel('rpc', this.#o.nodeID), this.#channel('reply', this.#o.nodeID), this.#revokeChannel());
  }

  async #owner(callID: string, claim: boolean): Promise<string | null> {
    const v = await this.#cmd.eval(CLAIM, 1, this.#key(callID), this.#o.nodeID, String(this.#o.ttlMs), claim ? '1' : '0');
    return typeof v === 'string' ? v : null;
  }

  async #forward(owner: string, work: RoomWork): Promise<{ gone: true } | { gone: false; value: unknown }> {
    const id = this.#next++;
    const answered = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the node that holds this call\'s SFU room did not answer'));
      }, this.#o.timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    const forget = () => {
      const p = this.#pending.get(id);
      if (p) clearTimeout(p.timer);
      this.#pending.delete(id);
      answered.catch(() => undefined);
    };
    let receivers: number;
    try {
      receivers = await this.#cmd.publish(this.#channel('rpc', owner), JSON.stringify({ id, from: this.#o.nodeID, work }));
    } catch (err) {
      forget();
      throw err;
    }
    if (receivers === 0) {
      forget();
      return { gone: true };
    }
    return { gone: false, value: await answered };
  }

  async #onMessage(channel: string, text: string): Promise<void> {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    if (channel === this.#revokeChannel()) {
      const r = revocation.safeParse(json);
      if (!r.success) return void this.#o.log.warn('sfu: ignored a malformed revocation from another node');
      if (r.data.from !== this.#o.nodeID) await this.onRevoke?.(r.data.groupID, r.data.userIDs);
      return;
    }
    if (channel === this.#channel('reply', this.#o.nodeID)) {
      const r = reply.safeParse(json);
      const p = r.success ? this.#pending.get(r.data.id) : undefined;
      if (!r.success || !p) return;
      clearTimeout(p.timer);
      this.#pending.delete(r.data.id);
      if (r.data.error) p.reject(new RingletError(r.data.error.code, r.data.error.reason, r.data.error.message));
      else p.resolve(r.data.value ?? null);
      return;
    }
    const q = request.safeParse(json);
    if (!q.success) {
      this.#o.log.warn('sfu: ignored a malformed request from another node');
      return;
    }
    let answer: z.infer<typeof reply>;
    try {
      answer = { id: q.data.id, value: (await this.#worker(q.data.work as RoomWork)) ?? null };
    } catch (err) {
      const e = err instanceof RingletError ? err : new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the SFU room work failed');
      if (!(err instanceof RingletError)) this.#o.log.warn({ err }, 'sfu: forwarded room work failed');
      answer = { id: q.data.id, error: { code: e.code, reason: e.reason, message: e.message } };
    }
    if (this.#closed) return;
    await this.#cmd.publish(this.#channel('reply', q.data.from), JSON.stringify(answer)).catch((err: unknown) => this.#o.log.warn({ err }, 'sfu: could not answer another node'));
  }
}
