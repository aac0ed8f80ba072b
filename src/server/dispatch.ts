/**
 * Runs one validated request with its handler (handlers.ts): a write inside one transaction,
 * applied at most once per request id, its reply sent, then the outbox published after the
 * commit; a read on one snapshot under the user's read budget. Knows no op by name.
 */
import { decodeReply } from '../protocol/codec.ts';
import { ErrorCode, limitExceeded, RingletError } from '../protocol/errors.ts';
import type { Reply, RequestFrame, RequestOf } from '../protocol/frames.ts';
import { declaresError, isLiveOp, isWriteOp, type LiveOp, type Op, type OpResult, type ReadOp, type WriteOp } from '../protocol/ops.ts';
import type { Outcome, RequestContext } from './context.ts';
import { createHandlers, type HandlerServices, type Handlers, type Reach } from './handlers.ts';
import type { Bus } from './hub/types.ts';
import type { ServerLimits } from './limits/config.ts';
import { namedUsers, refuseUnknownUsers, requestCost } from './limits/request-cost.ts';
import { TokenBuckets } from './limits/token-buckets.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { CallStep } from './model/call-step.ts';
import type { Departure } from './model/departure.ts';
import { reportCallSteps } from './signaling/lifecycle.ts';
import { Outbox } from './outbox.ts';
import type { Store, StoreTx } from './store/types.ts';

/** Thrown to roll back a retried request whose id was already applied. */
class AlreadyApplied extends Error {}

/** Marks a reply that #mutate already handed over. */
const ALREADY_SENT: Reply = { code: 0, data: null };

export interface Services extends HandlerServices {
  store: Store;
  bus: Bus;
  log: Logger;
  clock: () => number;
  /** Told about deadlines committed by a request. */
  onDeadlines: (deadlines: number[]) => void;
  /** Told about the call steps a request committed, once its events are published (the SFU moves a classroom's floor). */
  onCallSteps?: (steps: readonly CallStep[]) => void;
  /** Told about members who left groups in a committed request (the SFU ends their grants in the groups' calls). */
  onDepartures?: (departures: readonly Departure[]) => void;
  limits: ServerLimits;
  /** Prometheus series (metrics.ts); null when not served. */
  metrics: Metrics | null;
}

/** Recipients one message_rate token covers. */
const RECIPIENTS_PER_TOKEN = 20;
const DAY_MS = 86_400_000;

export class Dispatcher {
  readonly #s: Services;
  readonly #handlers: Handlers;
  readonly #messageRate: TokenBuckets;
  readonly #requestCost: TokenBuckets;
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
    this.#handlers = createHandlers(s);
    this.#messageRate = new TokenBuckets(s.limits.messageRate);
    this.#requestCost = new TokenBuckets(s.limits.requestCost);
    this.#readBytes = new TokenBuckets(s.limits.readBytes);
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
      this.#chargeCost(userID, req);
      if (isWrite(req)) {
        // Unknown users named by the request are refused on a snapshot, before the write lock.
        const named = namedUsers(req.op, req.params);
        if (named.length > 0) await refuseUnknownUsers((ids) => this.#s.store.read((tx) => tx.existingUsers(ids)), named);
        return await this.#mutate(userID, sessionID, req, respond);
      }
      if (isLive(req)) return { code: 0, data: await this.#live(userID, sessionID, req) };
      if (isRead(req)) return { code: 0, data: await this.#read(userID, req) };
      throw new RingletError(ErrorCode.INVALID_PARAMETER, 'op', `operation ${req.op} is not served here`);
    } catch (err) {
      return this.#errorReply(err, req.op);
    }
  }

  /** request_cost: 1 + the entries of the request's lists, taken before any work (8040 when the bucket is short). */
  #chargeCost(userID: string, req: RequestFrame): void {
    const { perSecond, burst } = this.#s.limits.requestCost;
    if (!this.#requestCost.tryTake(userID, this.#s.clock(), requestCost(req.params))) {
      throw limitExceeded('request_cost', `at most ${perSecond} per second (burst ${burst}); a request costs 1 plus 1 per entry of its lists; retry shortly`);
    }
  }

  async #live<K extends LiveOp>(userID: string, sessionID: string, req: RequestOf<K>): Promise<OpResult<K>> {
    return this.#handlers.live[req.op].live({ userID, sessionID }, req.params);
  }

  #read<K extends ReadOp>(userID: string, req: RequestOf<K>): Promise<OpResult<K>> {
    const handler = this.#handlers.read[req.op];
    if ('answer' in handler) return handler.answer(userID, req.params);
    return this.#budgetedRead(userID, req.op, () => this.#timed('read', () => this.#s.store.read((tx) => handler.read({ tx, userID, now: this.#s.clock() }, req.params))));
  }

  #mutate<K extends WriteOp>(userID: string, sessionID: string, req: RequestOf<K>, respond: (reply: Reply) => void): Promise<Reply> {
    // Budgeted requests of one user run in turn: each is charged its fan-out before the
    // next may start, so pipelining cannot spend one token on many big-group messages.
    const reach = this.#handlers.write[req.op].budget?.(req.params) ?? null;
    if (reach) return inTurn(this.#writeQueue, userID, () => this.#mutateNow(userID, sessionID, req, reach, respond));
    return this.#mutateNow(userID, sessionID, req, null, respond);
  }

  async #mutateNow<K extends WriteOp>(userID: string, sessionID: string, req: RequestOf<K>, reach: Reach | null, respond: (reply: Reply) => void): Promise<Reply> {
    const handler = this.#handlers.write[req.op];
    const now = this.#s.clock();
    const day = Math.floor(now / DAY_MS);
    const charged = reach ? this.#checkBudgets(userID, reach, now, day) : 0;
    type Done = { replay: Reply } | { ctx: RequestContext; reply: Reply };
    // The request id is checked last, not first: on the common path (a first attempt) that
    // saves a lookup. A retry of an applied request finds its id taken when the handler is
    // done; its work is then rolled back and the recorded reply returned instead.
    let result: Done;
    try {
      result = await this.#timed('write', () => this.#s.store.write(async (tx): Promise<Done> => {
        const ctx: RequestContext = { tx, outbox: new Outbox(tx, now), userID, sessionID, now, deadlines: [] };
        let outcome: Outcome<OpResult<K>>;
        try {
          outcome = await handler.write(ctx, req.params);
        } catch (err) {
          const prior = await tx.getRequestResult(userID, req.id, now);
          if (prior !== null) return { replay: decodeReply(prior) };
          throw err;
        }
        if ('error' in outcome) {
          const prior = await tx.getRequestResult(userID, req.id, now);
          return prior !== null ? { replay: decodeReply(prior) } : { ctx, reply: outcome.error.toBody() };
        }
        const reply: Reply = { code: 0, data: outcome.data };
        if (reach) await this.#chargeStored(tx, userID, day);
        if (!(await tx.putRequestResult(userID, req.id, JSON.stringify(reply), now))) throw new AlreadyApplied();
        return { ctx, reply };
      }));
    } catch (err) {
      if (!(err instanceof AlreadyApplied)) throw err;
      const prior = await this.#s.store.read((tx) => tx.getRequestResult(userID, req.id, now));
      return prior !== null ? decodeReply(prior) : this.#errorReply(err, req.op);
    }
    if ('replay' in result) return result.replay;
    const { outbox, deadlines } = result.ctx;
    await outbox.settle();
    // The expected cost was taken up front; the real one is settled now (refund or debt).
    if (reach) this.#settleRate(userID, reach, now, charged, outbox.deliveries.length);
    respond(result.reply);
    this.#s.bus.publish(outbox.deliveries);
    this.#s.metrics?.published(outbox.deliveries.length);
    reportCallSteps(outbox.calls, this.#s.log, this.#s.metrics);
    if (outbox.calls.length > 0) this.#s.onCallSteps?.(outbox.calls);
    if (outbox.departures.length > 0) this.#s.onDepartures?.(outbox.departures);
    if (deadlines.length > 0) this.#s.onDeadlines(deadlines);
    return ALREADY_SENT;
  }

  /**
   * Runs one user's reads one after another, each only while the user's read_bytes bucket
   * has tokens, and charges what it returned: pipelined reads cannot outrun the budget.
   */
  #budgetedRead<T>(userID: string, op: Op, run: () => Promise<T>): Promise<T> {
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
  #checkBudgets(userID: string, reach: Reach, now: number, day: number): number {
    const { messageRate, storedBytesPerDay } = this.#s.limits;
    const expected = 'fanoutOf' in reach ? (this.#fanout.get(reach.fanoutOf) ?? 1) : reach.recipients;
    const cost = Math.min(messageRate.burst, tokensFor(expected));
    if (!this.#messageRate.tryTake(userID, now, cost)) throw limitExceeded('message_rate', `at most ${messageRate.perSecond} messages per second (burst ${messageRate.burst}; one per ${RECIPIENTS_PER_TOKEN} recipients); retry shortly`);
    const spent = this.#spent.get(userID);
    if (spent === day) throw limitExceeded('stored_bytes', `at most ${storedBytesPerDay} bytes stored per day`);
    if (spent !== undefined) this.#spent.delete(userID);
    return cost;
  }

  /** Charges the difference between the real cost and what was taken up front, and remembers a group's fan-out. */
  #settleRate(userID: string, reach: Reach, now: number, charged: number, deliveries: number): void {
    this.#messageRate.take(userID, now, tokensFor(deliveries) - charged);
    if ('fanoutOf' in reach) {
      if (this.#fanout.size >= 10_000) this.#fanout.clear();
      this.#fanout.set(reach.fanoutOf, deliveries);
    }
  }

  /** Adds what this request stored to the user's durable day counter; past the budget, the request is rolled back. */
  async #chargeStored(tx: StoreTx, userID: string, day: number): Promise<void> {
    const bytes = tx.storedBytes();
    if (bytes === 0) return;
    const cap = this.#s.limits.storedBytesPerDay;
    const refuse = (): Error => {
      if (this.#spent.size >= 100_000) this.#spent.clear();
      this.#spent.set(userID, day);
      return limitExceeded('stored_bytes', `at most ${cap} bytes stored per day`);
    };
    // A store may check the cap with the commit (then the transaction fails with refuse()).
    const total = await tx.chargeStoredBytes(userID, bytes, day, { bytes: cap, refuse });
    if (total > cap) throw refuse();
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

  #errorReply(err: unknown, op: Op): Reply {
    if (err instanceof RingletError) {
      if (!declaresError(op, err.code)) this.#s.log.warn({ op, code: err.code, reason: err.reason }, 'an error code the op contract does not declare (protocol/ops.ts)');
      return err.toBody();
    }
    this.#s.log.error({ err, op }, 'request failed unexpectedly');
    return { code: ErrorCode.INTERNAL, reason: 'internal', message: `${op} failed on the server; nothing was applied` };
  }
}

function isWrite(req: RequestFrame): req is RequestFrame<WriteOp> {
  return isWriteOp(req.op);
}

function isLive(req: RequestFrame): req is RequestFrame<LiveOp> {
  return isLiveOp(req.op);
}

function isRead(req: RequestFrame): req is RequestFrame<ReadOp> {
  return req.op !== 'logout' && !isWriteOp(req.op) && !isLiveOp(req.op);
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
