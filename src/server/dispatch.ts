/**
 * Routes one validated request to its handler inside one transaction, applies each
 * mutating request id at most once, and publishes the outbox after the commit.
 */
import { ErrorCode, RingletError, type ErrorBody } from '../protocol/errors.ts';
import { MUTATING_OPS, type Op } from '../protocol/ops.ts';
import type { RequestFrame } from '../protocol/frames.ts';
import { iceServersFor, type IceOptions } from './auth/ice.ts';
import type { RequestContext } from './context.ts';
import type { Bus } from './hub/types.ts';
import type { GroupService } from './im/groups.ts';
import type { MessageService } from './im/messages.ts';
import type { Logger } from './log.ts';
import { Outbox } from './outbox.ts';
import type { SfuService } from './sfu/service.ts';
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
  /** The SFU (Janus) for classrooms and calls larger than the mesh; null when none is configured. */
  sfu: SfuService | null;
}

type Handler = (ctx: RequestContext, params: never) => Promise<unknown>;
type ReadHandler = (tx: StoreTx, userID: string, now: number, params: never) => Promise<unknown>;

export class Dispatcher {
  readonly #s: Services;
  readonly #write: Partial<Record<Op, Handler>>;
  readonly #read: Partial<Record<Op, ReadHandler>>;

  constructor(s: Services) {
    this.#s = s;
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
      getGroupProfile: (tx, _u, _n, p) => g.profile(tx, p),
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
    const reply = await this.#handle(userID, sessionID, req, respond);
    if (reply !== ALREADY_SENT) respond(reply);
  }

  async #handle(userID: string, sessionID: string, req: RequestFrame, respond: (reply: Reply) => void): Promise<Reply> {
    try {
      if (MUTATING_OPS.has(req.op)) return await this.#mutate(userID, sessionID, req, respond);
      if (req.op === 'getSfuJoin') return { code: 0, data: await this.#sfuJoin(userID, req.params as { inviteID: string }) };
      const read = this.#read[req.op];
      if (!read) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'op', `operation ${req.op} is not served here`);
      const now = this.#s.clock();
      const data = await this.#s.store.read((tx) => read(tx, userID, now, req.params as never));
      return { code: 0, data };
    } catch (err) {
      return this.#errorReply(err, req.op);
    }
  }

  async #mutate(userID: string, sessionID: string, req: RequestFrame, respond: (reply: Reply) => void): Promise<Reply> {
    const handler = this.#write[req.op];
    if (!handler) throw new RingletError(ErrorCode.INVALID_PARAMETER, 'op', `operation ${req.op} is not served here`);
    const now = this.#s.clock();
    type Done = { replay: Reply } | { ctx: RequestContext; reply: Reply };
    // The request id is checked last, not first: on the common path (a first attempt) that
    // saves a lookup. A retry of an applied request finds its id taken when the handler is
    // done; its work is then rolled back and the recorded reply returned instead.
    let result: Done;
    try {
      result = await this.#s.store.write(async (tx): Promise<Done> => {
        const ctx: RequestContext = { tx, outbox: new Outbox(tx, now), userID, sessionID, now, deadlines: [] };
        let outcome: { data: unknown } | { error: RingletError };
        try {
          outcome = (await handler(ctx, req.params as never)) as typeof outcome;
        } catch (err) {
          const prior = await tx.getRequestResult(userID, req.id);
          if (prior !== null) return { replay: JSON.parse(prior) as Reply };
          throw err;
        }
        if ('error' in outcome) {
          const prior = await tx.getRequestResult(userID, req.id);
          return prior !== null ? { replay: JSON.parse(prior) as Reply } : { ctx, reply: outcome.error.toBody() as Reply };
        }
        const reply: Reply = { code: 0, data: outcome.data };
        if (!(await tx.putRequestResult(userID, req.id, JSON.stringify(reply), now))) throw new AlreadyApplied();
        return { ctx, reply };
      });
    } catch (err) {
      if (!(err instanceof AlreadyApplied)) throw err;
      const prior = await this.#s.store.read((tx) => tx.getRequestResult(userID, req.id));
      return prior !== null ? (JSON.parse(prior) as Reply) : this.#errorReply(err, req.op);
    }
    if ('replay' in result) return result.replay;
    respond(result.reply);
    this.#s.bus.publish(result.ctx.outbox.deliveries);
    if (req.op === 'accept' && this.#s.sfu) void this.#s.sfu.accepted((req.params as { inviteID: string }).inviteID, userID);
    if (result.ctx.deadlines.length > 0) this.#s.onDeadlines(result.ctx.deadlines);
    return ALREADY_SENT;
  }

  #sfuJoin(userID: string, p: { inviteID: string }): Promise<unknown> {
    if (!this.#s.sfu) throw new RingletError(ErrorCode.NOT_PERMITTED, 'no_sfu', 'this server has no SFU; group calls use the mesh (up to 6)');
    return this.#s.sfu.join(userID, p.inviteID);
  }

  #errorReply(err: unknown, op: string): Reply {
    if (err instanceof RingletError) return err.toBody();
    this.#s.log.error({ err, op }, 'request failed unexpectedly');
    return { code: ErrorCode.INTERNAL, reason: 'internal', message: `${op} failed on the server; nothing was applied` };
  }
}
