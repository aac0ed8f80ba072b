/**
 * Routes one validated request to its handler inside one transaction, applies each
 * mutating request id at most once, and publishes the outbox after the commit.
 */
import { ErrorCode, limitExceeded, RingletError, type ErrorBody } from '../protocol/errors.ts';
import { MUTATING_OPS, type Op } from '../protocol/ops.ts';
import type { RequestFrame } from '../protocol/frames.ts';
import { iceServersFor, type IceOptions } from './auth/ice.ts';
import type { RequestContext } from './context.ts';
import type { Bus } from './hub/types.ts';
import type { GroupService } from './im/groups.ts';
import type { MessageService } from './im/messages.ts';
import type { ServerLimits } from './limits/config.ts';
import { TokenBuckets } from './limits/token-buckets.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import { reportCallSteps } from './signaling/lifecycle.ts';
import { Outbox } from './outbox.ts';
import type { SfuService } from './sfu/service.ts';
import { MESH_LIMIT, type ServerCapabilities } from '../protocol/sfu.ts';
import type { SignalingService } from './signaling/service.ts';
import type { Store, StoreTx } from './store/types.ts';

export type Reply = { code: 0; data: unknown } | ErrorBody;

/** Thrown to roll back a retried request whose id was already applied. */
class AlreadyApplied extends Error {}

/** Marks a reply that #mutate already handed over. */
const ALREADY_SENT: Reply = { code: 0, data: null };

export interface Services {
  store: Store;
  bus: Bus;
  signaling: SignalingService;
  groups: GroupService;
  messages: MessageService;
  log: Logger;
  clock: () => number;
  /** Told about deadlines committed by a request. */
  onDeadlines: (deadlines: number[]) => void;
  /** STUN/TURN configuration handed to clients for WebRTC. */
  ice: IceOptions;
  limits: ServerLimits;
  /** Prometheus series (metrics.ts); null when not served. */
  metrics: Metrics | null;
  /** The SFU (Janus) for classrooms and calls larger than the mesh; null when none is configured. */
  sfu: SfuService | null;
}

/** Requests that write what others receive: under message_rate and stored_bytes. */
const BUDGETED: ReadonlySet<Op> = new Set<Op>(['sendMessage', 'invite', 'inviteInGroup']);
/** Recipients one message_rate token covers. */
const RECIPIENTS_PER_TOKEN = 20;
const DAY_MS = 86_400_000;

type Handler = (ctx: RequestContext, params: never) => Promise<unknown>;
type ReadHandler = (tx: StoreTx, userID: string, now: number, params: never) => Promise<unknown>;

export class Dispatcher {
  readonly #s: Services;
  readonly #write: Partial<Record<Op, Handler>>;
  readonly #read: Partial<Record<Op, ReadHandler>>;
  readonly #messageRate: TokenBuckets;
  readonly #readBytes: TokenBuckets;
  /** Users whose stored_bytes budget is spent, with the day it is spent for (this node's cache of the durable counter). */
  readonly #spent = new Map<string, number>();
  /** The last queued read of each user (reads of one user run one at a time). */
  readonly #readQueue = new Map<string, Promise<void>>();
  /** The last queued budgeted write of each user. */
  readonly #writeQueue = new Map<string, Promise<void>>();
  /** Bytes of each user's last read of each kind: what the next one is charged before it runs. */
  readonly #lastRead = new Map<string, number>();
  /** Recipients of the last message to each group conversation: what the next one is charged before it runs. */
  readonly #fanout = new Map<string, number>();

  constructor(s: Services) {
    this.#s = s;
    this.#messageRate = new TokenBuckets(s.limits.messageRate);
    this.#readBytes = new TokenBuckets(s.limits.readBytes);
    const { signaling: sig, groups: g, messages: m } = s;
    // Signaling handlers return an Outcome: an error there may come with committed changes.
    this.#write = {
      invite: (ctx, p) => sig.invite(ctx, p),
      inviteInGroup: (ctx, p) => sig.inviteInGroup(ctx, p),
      accept: (ctx, p) => sig.act(ctx, 'accept', p),
      reject: (ctx, p) => sig.act(ctx, 'reject', p),
      cancel: (ctx, p) => sig.act(ctx, 'cancel', p),
      createGroup: async (ctx, p) => ({ data: await g.create(ctx, p) }),
      joinGroup: async (ctx, p) => ({ data: await g.join(ctx, p) }),
      quitGroup: async (ctx, p) => ({ data: await g.quit(ctx, p) }),
      dismissGroup: async (ctx, p) => ({ data: await g.dismiss(ctx, p) }),
      addGroupMember: async (ctx, p) => ({ data: await g.addMembers(ctx, p) }),
      deleteGroupMember: async (ctx, p) => ({ data: await g.deleteMembers(ctx, p) }),
      sendMessage: async (ctx, p) => ({ data: await m.send(ctx, p) }),
      setMessageRead: async (ctx, p) => ({ data: await m.markRead(ctx, p) }),
    };
    this.#read = {
      getPendingInvitations: async (tx, u, now) => ({ invitationList: await sig.pending(tx, u, now) }),
      getGroupList: (tx, u) => g.list(tx, u),
      getGroupProfile: (tx, u, _n, p) => g.profile(tx, u, p),
      getGroupMemberList: (tx, u, _n, p) => g.members(tx, u, p),
      getMessageList: (tx, u, _n, p) => m.list(tx, u, p),
      getConversationList: (tx, u) => m.conversations(tx, u),
      getIceServers: async (_tx, u, now) => iceServersFor(u, s.ice, now),
    };
  }

  /**
   * Runs one request for `userID` on `sessionID` and hands the reply to `respond` before
   * the events it caused are published (so the caller hears its answer first). Never throws.
   */
  async handle(userID: string, sessionID: string, req: RequestFrame, respond: (reply: Reply) => void): Promise<void> {
    const m = this.#s.metrics;
    const reply = await this.#handle(userID, sessionID, req, m ? (r) => { m.request(req.op, r.code); respond(r); } : respond);
    if (reply === ALREADY_SENT) return;
    m?.request(req.op, reply.code);
    respond(reply);
  }

  async #handle(userID: string, sessionID: string, req: RequestFrame, respond: (reply: Reply) => void): Promise<Reply> {
    try {
      if (MUTATING_OPS.has(req.op)) return await this.#mutate(userID, sessionID, req, respond);
      if (req.op === 'getCapabilities') return { code: 0, data: { sfu: this.#s.sfu !== null, meshLimit: MESH_LIMIT } satisfies ServerCapabilities };
      if (req.op === 'getSfuJoin') return { code: 0, data: await this.#sfuJoin(userID, req.params as { inviteID: string }) };
      const read = this.#read[req.op];
      if (!read) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'op', `operation ${req.op} is not served here`);
      return { code: 0, data: await this.#budgetedRead(userID, req.op, () => this.#timed('read', () => this.#s.store.read((tx) => read(tx, userID, this.#s.clock(), req.params as never)))) };
    } catch (err) {
      return this.#errorReply(err, req.op);
    }
  }

  #mutate(userID: string, sessionID: string, req: RequestFrame, respond: (reply: Reply) => void): Promise<Reply> {
    // Budgeted requests of one user run in turn: each is charged its fan-out before the
    // next may start, so pipelining cannot spend one token on many big-group messages.
    if (BUDGETED.has(req.op)) return inTurn(this.#writeQueue, userID, () => this.#mutateNow(userID, sessionID, req, respond));
    return this.#mutateNow(userID, sessionID, req, respond);
  }

  async #mutateNow(userID: string, sessionID: string, req: RequestFrame, respond: (reply: Reply) => void): Promise<Reply> {
    const handler = this.#write[req.op];
    if (!handler) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'op', `operation ${req.op} is not served here`);
    const now = this.#s.clock();
    const budgeted = BUDGETED.has(req.op);
    const day = Math.floor(now / DAY_MS);
    const charged = budgeted ? this.#checkBudgets(userID, req, now, day) : 0;
    type Done = { replay: Reply } | { ctx: RequestContext; reply: Reply };
    // The request id is checked last, not first: on the common path (a first attempt) that
    // saves a lookup. A retry of an applied request finds its id taken when the handler is
    // done; its work is then rolled back and the recorded reply returned instead.
    let result: Done;
    try {
      result = await this.#timed('write', () => this.#s.store.write(async (tx): Promise<Done> => {
        const ctx: RequestContext = { tx, outbox: new Outbox(tx, now), userID, sessionID, now, deadlines: [] };
        let outcome: { data: unknown } | { error: RingletError };
        try {
          outcome = (await handler(ctx, req.params as never)) as typeof outcome;
        } catch (err) {
          const prior = await tx.getRequestResult(userID, req.id, now);
          if (prior !== null) return { replay: JSON.parse(prior) as Reply };
          throw err;
        }
        if ('error' in outcome) {
          const prior = await tx.getRequestResult(userID, req.id, now);
          return prior !== null ? { replay: JSON.parse(prior) as Reply } : { ctx, reply: outcome.error.toBody() as Reply };
        }
        const reply: Reply = { code: 0, data: outcome.data };
        if (budgeted) await this.#chargeStored(tx, userID, day);
        if (!(await tx.putRequestResult(userID, req.id, JSON.stringify(reply), now))) throw new AlreadyApplied();
        return { ctx, reply };
      }));
    } catch (err) {
      if (!(err instanceof AlreadyApplied)) throw err;
      const prior = await this.#s.store.read((tx) => tx.getRequestResult(userID, req.id, now));
      return prior !== null ? (JSON.parse(prior) as Reply) : this.#errorReply(err, req.op);
    }
    if ('replay' in result) return result.replay;
    // The expected cost was taken up front; the real one is settled now (refund or debt).
    if (budgeted) this.#settleRate(userID, req, now, charged, result.ctx.outbox.deliveries.length);
    respond(result.reply);
    this.#s.bus.publish(result.ctx.outbox.deliveries);
    this.#s.metrics?.published(result.ctx.outbox.deliveries.length);
    reportCallSteps(result.ctx.outbox.calls, this.#s.log, this.#s.metrics);
    if (req.op === 'accept' && this.#s.sfu) void this.#s.sfu.accepted((req.params as { inviteID: string }).inviteID, userID);
    if (req.op === 'inviteInGroup' && this.#s.sfu) void this.#s.sfu.invited((result.reply as { data: { inviteID: string } }).data.inviteID, userID);
    if (result.ctx.deadlines.length > 0) this.#s.onDeadlines(result.ctx.deadlines);
    return ALREADY_SENT;
  }

  /**
   * Runs one user's reads one after another, each only while the user's read_bytes bucket
   * has tokens, and charges what it returned: pipelined reads cannot outrun the budget.
   */
  #budgetedRead(userID: string, op: Op, run: () => Promise<unknown>): Promise<unknown> {
    return inTurn(this.#readQueue, userID, async () => {
      // Charged before the read: what the same read of this user returned last time.
      const key = `${userID}\u0000${op}`;
      const expected = this.#lastRead.get(key) ?? 1;
      if (!this.#readBytes.tryTake(userID, this.#s.clock(), expected)) throw limitExceeded('read_bytes', `at most ${this.#s.limits.readBytes.perSecond} bytes of read responses per second; retry shortly`);
      const data = await run();
      const bytes = Buffer.byteLength(JSON.stringify(data));
      this.#readBytes.take(userID, this.#s.clock(), bytes - Math.min(expected, this.#s.limits.readBytes.burst));
      if (this.#lastRead.size >= 100_000) this.#lastRead.clear();
      this.#lastRead.set(key, bytes);
      return data;
    });
  }

  /**
   * message_rate and a spent stored_bytes budget, before any work is done. The request is
   * charged its expected recipients (a group invitation its invitees, a group message the
   * group's last fan-out) and refused unless the bucket holds them; returns the tokens taken.
   */
  #checkBudgets(userID: string, req: RequestFrame, now: number, day: number): number {
    const { messageRate, storedBytesPerDay } = this.#s.limits;
    const cost = Math.min(messageRate.burst, tokensFor(this.#expectedRecipients(req)));
    if (!this.#messageRate.tryTake(userID, now, cost)) throw limitExceeded('message_rate', `at most ${messageRate.perSecond} messages per second (burst ${messageRate.burst}; one per ${RECIPIENTS_PER_TOKEN} recipients); retry shortly`);
    const spent = this.#spent.get(userID);
    if (spent === day) throw limitExceeded('stored_bytes', `at most ${storedBytesPerDay} bytes stored per day`);
    if (spent !== undefined) this.#spent.delete(userID);
    return cost;
  }

  #expectedRecipients(req: RequestFrame): number {
    const p = req.params as { inviteeList?: readonly string[]; conversationID?: string };
    if (req.op === 'inviteInGroup') return 1 + (p.inviteeList?.length ?? 0);
    if (req.op === 'sendMessage' && p.conversationID?.startsWith('GROUP')) return this.#fanout.get(p.conversationID) ?? 1;
    return 1;
  }

  /** Charges the difference between the real cost and what was taken up front, and remembers a group's fan-out. */
  #settleRate(userID: string, req: RequestFrame, now: number, charged: number, deliveries: number): void {
    this.#messageRate.take(userID, now, tokensFor(deliveries) - charged);
    const conv = (req.params as { conversationID?: string }).conversationID;
    if (req.op === 'sendMessage' && conv?.startsWith('GROUP')) {
      if (this.#fanout.size >= 10_000) this.#fanout.clear();
      this.#fanout.set(conv, deliveries);
    }
  }

  /** Adds what this request stored to the user's durable day counter; past the budget, the request is rolled back. */
  async #chargeStored(tx: StoreTx, userID: string, day: number): Promise<void> {
    const bytes = tx.storedBytes();
    if (bytes === 0) return;
    const total = await tx.chargeStoredBytes(userID, bytes, day);
    const cap = this.#s.limits.storedBytesPerDay;
    if (total > cap) {
      if (this.#spent.size >= 100_000) this.#spent.clear();
      this.#spent.set(userID, day);
      throw limitExceeded('stored_bytes', `at most ${cap} bytes stored per day`);
    }
  }

  #sfuJoin(userID: string, p: { inviteID: string }): Promise<unknown> {
    if (!this.#s.sfu) throw new RingletError(ErrorCode.NOT_PERMITTED, 'no_sfu', 'this server has no SFU; group calls use the mesh (up to 6)');
    return this.#s.sfu.join(userID, p.inviteID);
  }

  /** `run`'s store round trip, into the metrics when they are on. */
  async #timed<T>(kind: 'read' | 'write', run: () => Promise<T>): Promise<T> {
    const m = this.#s.metrics;
    if (!m) return run();
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      const s = (performance.now() - t0) / 1000;
      if (kind === 'read') m.storeRead(s);
      else m.storeWrite(s);
    }
  }

  #errorReply(err: unknown, op: string): Reply {
    if (err instanceof RingletError) return err.toBody();
    this.#s.log.error({ err, op }, 'request failed unexpectedly');
    return { code: ErrorCode.INTERNAL, reason: 'internal', message: `${op} failed on the server; nothing was applied` };
  }
}

/** message_rate tokens for a request with `recipients` deliveries: one per 20, at least one. */
function tokensFor(recipients: number): number {
  return Math.max(1, Math.ceil(recipients / RECIPIENTS_PER_TOKEN));
}

/** Runs `fn` after every earlier call queued under `key` has settled. */
async function inTurn<T>(queues: Map<string, Promise<void>>, key: string, fn: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((r) => (done = r));
  queues.set(key, mine);
  try {
    await before;
    return await fn();
  } finally {
    done();
    if (queues.get(key) === mine) queues.delete(key);
  }
}
