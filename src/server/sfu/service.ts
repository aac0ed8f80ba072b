/**
 * The SFU as the Ringlet server sees it: `getSfuJoin` (rate limited per user) checks the
 * caller against the invitation and the group's current members (policy.ts) and asks
 * rooms.ts for a grant; an accepted classroom "speak" invitation moves the floor; members
 * who leave a group (or its dismissal) lose their grants in its calls' rooms on every
 * node. Connects to Janus lazily and again after it was lost (a restarted Janus: the rooms
 * of the lost connection are destroyed and their tokens voided, and the participants'
 * windows rejoin with new grants).
 */
import { decodeClassroom } from '../../protocol/call-data.ts';
import { ErrorCode, limitExceeded, RingletError } from '../../protocol/errors.ts';
import { isClassroomCall, type SfuJoin } from '../../protocol/sfu.ts';
import { TokenBuckets } from '../limits/token-buckets.ts';
import type { Logger } from '../log.ts';
import type { CallStep } from '../model/call-step.ts';
import type { Departure } from '../model/departure.ts';
import type { Store } from '../store/types.ts';
import type { JanusAdminOptions } from './janus-admin.ts';
import { JanusClient } from './janus.ts';
import type { RoomOwners, RoomWork } from './owners.ts';
import { joinRole } from './policy.ts';
import { SfuRooms, type RoomRemnant } from './rooms.ts';

export interface SfuOptions {
  /** Janus's WebSocket API as the server reaches it, e.g. ws://127.0.0.1:8188. */
  url: string;
  /** The same as clients (the extension) reach it; default `url`. */
  publicUrl?: string;
  /**
   * Janus's Admin API (e.g. ws://127.0.0.1:7188) and its admin_secret: the server adds and
   * removes one token per grant there. Janus must run with token_auth (checked at connect).
   */
  admin: JanusAdminOptions;
  /** The videoroom plugin's admin_key, when Janus has one (the generated config does). */
  adminKey?: string;
  /** Video bitrate cap per publisher, bits/s. Default 512 kbit/s. */
  videoBitrate?: number;
  /** Rooms open at once on this node. Default 50. */
  maxRooms?: number;
  /** Rooms open at once for the calls of one inviter (on this node). Default 3. */
  maxRoomsPerUser?: number;
  /** Rooms open at once for the calls of one group (on this node). Default 2. */
  maxRoomsPerGroup?: number;
  /** `getSfuJoin` per user (on this node): tokens per second and burst. Default 0.5/s, burst 10. */
  joinRate?: { perSecond: number; burst: number };
  /** A grant not joined with within this long expires (its token is removed). Default 60 s. */
  grantTtlMs?: number;
  emptyGraceMs?: number;
  joinWindowMs?: number;
  sweepMs?: number;
}

export const SFU_DEFAULTS = {
  videoBitrate: 512_000, maxRooms: 50, maxRoomsPerUser: 3, maxRoomsPerGroup: 2, joinRate: { perSecond: 0.5, burst: 10 },
  grantTtlMs: 60_000, emptyGraceMs: 15_000, joinWindowMs: 120_000, sweepMs: 5_000,
} as const;

export class SfuService {
  #o: SfuOptions;
  #store: Store;
  #log: Logger;
  #clock: () => number;
  #rooms: Promise<SfuRooms> | null = null;
  #sweep: ReturnType<typeof setInterval>;
  #closed = false;
  #steps: Promise<void> = Promise.resolve();
  /** In a cluster: which node holds each call's room (owners.ts); null: this node holds them all. */
  #owners: RoomOwners | null;
  readonly #joinRate: TokenBuckets;
  /** Rooms of connections to Janus that were lost: destroyed, their tokens voided, once connected again. */
  #remnants: RoomRemnant[] = [];

  constructor(o: SfuOptions, deps: { store: Store; log: Logger; clock: () => number; owners?: RoomOwners | null }) {
    this.#o = o;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#clock = deps.clock;
    this.#owners = deps.owners ?? null;
    this.#joinRate = new TokenBuckets(o.joinRate ?? SFU_DEFAULTS.joinRate);
    if (this.#owners) {
      this.#owners.worker = (work) => this.#work(work);
      this.#owners.onRevoke = (groupID, userIDs) => this.#rooms?.then((r) => r.revoke(groupID, userIDs)).catch(() => undefined);
    }
    this.#sweep = setInterval(() => void this.sweep(), o.sweepMs ?? SFU_DEFAULTS.sweepMs);
    this.#sweep.unref();
  }

  /** `getSfuJoin({ inviteID })` for `userID`. */
  async join(userID: string, inviteID: string): Promise<SfuJoin> {
    const now = this.#clock();
    const rate = this.#o.joinRate ?? SFU_DEFAULTS.joinRate;
    if (!this.#joinRate.tryTake(userID, now)) throw limitExceeded('sfu_join_rate', `at most ${rate.perSecond} getSfuJoin per second (burst ${rate.burst}); retry shortly`);
    const { inv, group, member } = await this.#store.read(async (tx) => {
      const inv = await tx.getInvitation(inviteID, false);
      const group = inv?.groupID ? await tx.getGroup(inv.groupID) : null;
      return { inv, group, member: group ? await tx.isMember(group.groupID, userID) : false };
    });
    const role = joinRole(inv, group, member, userID, now);
    const floor = { classroom: isClassroomCall(inv!.data), teacher: group!.ownerID, speaker: null };
    const holder = { inviter: inv!.inviter, groupID: group!.groupID };
    const grant = (await this.#room({ op: 'grant', callID: inviteID, userID, role, floor, holder })) as SfuJoin;
    // Removed from the group while the grant was being minted: the removal's revocation may
    // have run before the grant existed, so this one is revoked here.
    if (!(await this.#store.read((tx) => tx.isMember(group!.groupID, userID)))) {
      await this.#room({ op: 'revoke', callID: inviteID, groupID: group!.groupID, userIDs: [userID] });
      throw new RingletError(ErrorCode.NOT_PERMITTED, 'not_participant', 'only the call\'s inviter and the invitees who accepted it, while members of its group, may join its SFU room');
    }
    return grant;
  }

  /**
   * After a request committed, the members who left groups in it (removed or quit; `userIDs`
   * null: the group was dismissed). Their grants in the rooms of the groups' calls end and
   * they are kicked, on every node (a cluster broadcasts it).
   */
  departed(departures: readonly Departure[]): void {
    for (const d of departures) void this.#revoke(d.groupID, d.userIDs);
  }

  async #revoke(groupID: string, userIDs: readonly string[] | null): Promise<void> {
    const rooms = await this.#rooms?.catch(() => null);
    await rooms?.revoke(groupID, userIDs).catch((err: unknown) => this.#log.warn({ err }, 'sfu: revoking grants failed'));
    await this.#owners?.broadcastRevoke(groupID, userIDs).catch((err: unknown) => this.#log.warn({ err }, 'sfu: could not tell the other nodes to revoke grants'));
  }

  /** Room work runs where the call's room is: here, or on its owner node in a cluster. */
  #room(work: RoomWork): Promise<unknown> {
    return this.#owners ? this.#owners.run(work) : this.#work(work);
  }

  /** The room work of a call whose room this node holds (or would open, for a grant). */
  async #work(work: RoomWork): Promise<unknown> {
    if (work.op === 'grant') return (await this.#connect()).grant(work.callID, work.userID, work.role, work.floor, work.holder);
    const rooms = await this.#rooms?.catch(() => null);
    if (work.op === 'revoke') return (await rooms?.revoke(work.groupID, work.userIDs, work.callID)) ?? null;
    if (work.op === 'floor') return (await rooms?.floor(work.callID, work.action, work.by)) ?? null;
    if (work.op === 'speakerOf') return (await rooms?.speakerOf(work.callID)) ?? null;
    if (work.op === 'joined') return rooms?.joined(work.callID) ?? [];
    return rooms?.roomOf(work.callID) ?? null;
  }

  /**
   * After a request committed, its call steps: a student who accepts the owner's "speak"
   * takes the floor; the teacher's `endSpeak` (takes the floor back) or the speaker's
   * `lowerHand` (gives it back), once sent, returns the floor to the teacher alone.
   */
  committed(steps: readonly CallStep[]): void {
    for (const s of steps) {
      if (s.step === 'accept') for (const invitee of s.users) void this.#step(s.inviteID, invitee, 'accepted');
      else if (s.step === 'invite' && s.groupID) void this.#step(s.inviteID, s.inviter, 'invited');
    }
  }

  /** Classroom steps apply one after another, in the order their requests committed. */
  #step(inviteID: string, by: string, step: 'invited' | 'accepted'): Promise<void> {
    this.#steps = this.#steps.then(() => this.#classroomStep(inviteID, by, step)).catch((err: unknown) => this.#log.warn({ err }, 'sfu: a classroom step failed'));
    return this.#steps;
  }

  async #classroomStep(inviteID: string, by: string, step: 'invited' | 'accepted'): Promise<void> {
    if (!this.#rooms && !this.#owners) return; // no room here, and none elsewhere to forward to
    const found = await this.#store.read(async (tx) => {
      const inv = await tx.getInvitation(inviteID, false);
      const cls = inv ? decodeClassroom(inv.data) : null;
      if (!inv || !cls || !inv.groupID) return null;
      const group = await tx.getGroup(inv.groupID);
      if (!group) return null;
      // "speak" counts when its invitee accepts the owner's invitation; the others when they are sent.
      if (step === 'accepted') return cls.classroom === 'speak' && group.ownerID === inv.inviter && inv.inviteeList.includes(by) ? cls : null;
      return cls.classroom === 'endSpeak' || cls.classroom === 'lowerHand' ? cls : null;
    });
    if (!found) return;
    await this.#room({ op: 'floor', callID: found.callInviteID, action: found.classroom, by }).catch((err: unknown) => this.#log.warn({ err }, 'sfu: moving the floor failed'));
  }

  /** Who has the floor of a classroom call, after the room's queued actions (tests): null while the teacher has it alone. */
  async speakerOf(callID: string): Promise<string | null> {
    await this.#steps;
    return (await this.#room({ op: 'speakerOf', callID })) as string | null;
  }

  /** Users whose join grant for the call was used (their participant joined; tests). */
  async joined(callID: string): Promise<string[]> {
    return (await this.#room({ op: 'joined', callID })) as string[];
  }

  /**
   * Rooms of calls that ended are destroyed (rooms.ts); in a cluster, this node's claims on
   * the rooms it still holds are renewed and those of closed rooms given up. Exposed for tests.
   */
  async sweep(): Promise<void> {
    // Rooms of a lost connection are still in a Janus that stayed up: connect again to end them.
    if (!this.#rooms && this.#remnants.length > 0 && !this.#closed) await this.#connect().catch(() => undefined);
    const rooms = await this.#rooms?.catch(() => null);
    const before = rooms?.callIDs() ?? [];
    await rooms?.sweep();
    if (!this.#owners) return;
    const open = new Set(rooms?.callIDs() ?? []);
    await this.#owners.release(before.filter((c) => !open.has(c)));
    await this.#owners.renew([...open]).catch((err: unknown) => this.#log.warn({ err }, 'sfu: could not renew the claims on this node\'s rooms'));
  }

  /** The open room of a call (tests). */
  async roomOf(callID: string): Promise<number | null> {
    return (await this.#room({ op: 'roomOf', callID })) as number | null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    const rooms = await this.#rooms?.catch(() => null);
    this.#rooms = null;
    const held = rooms?.callIDs() ?? [];
    await rooms?.close();
    await this.#client?.close();
    // The other nodes take these calls at their next grant.
    await this.#owners?.release(held);
    await this.#owners?.close();
  }

  #client: JanusClient | null = null;

  #connect(): Promise<SfuRooms> {
    if (this.#closed) return Promise.reject(new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the server is shutting down'));
    this.#rooms ??= (async () => {
      try {
        const client = await JanusClient.connect(this.#o.url, this.#o.admin);
        this.#client = client;
        const rooms = new SfuRooms(client, {
          publicUrl: this.#o.publicUrl ?? this.#o.url,
          videoBitrate: this.#o.videoBitrate ?? SFU_DEFAULTS.videoBitrate,
          maxRooms: this.#o.maxRooms ?? SFU_DEFAULTS.maxRooms,
          maxRoomsPerUser: this.#o.maxRoomsPerUser ?? SFU_DEFAULTS.maxRoomsPerUser,
          maxRoomsPerGroup: this.#o.maxRoomsPerGroup ?? SFU_DEFAULTS.maxRoomsPerGroup,
          grantTtlMs: this.#o.grantTtlMs ?? SFU_DEFAULTS.grantTtlMs,
          emptyGraceMs: this.#o.emptyGraceMs ?? SFU_DEFAULTS.emptyGraceMs,
          joinWindowMs: this.#o.joinWindowMs ?? SFU_DEFAULTS.joinWindowMs,
          ...(this.#o.adminKey ? { adminKey: this.#o.adminKey } : {}),
          clock: this.#clock,
          log: this.#log,
        });
        void client.whenClosed.then(() => {
          if (this.#closed) return;
          this.#log.error('sfu: the connection to Janus was lost; rooms are reopened on the next join');
          this.#remnants.push(...rooms.remnants());
          this.#rooms = null;
          void this.#owners?.release(rooms.callIDs()).catch(() => undefined);
        });
        this.#log.info({ url: this.#o.url }, 'sfu: connected to Janus');
        await this.#clearRemnants(client);
        return rooms;
      } catch (err) {
        this.#rooms = null;
        this.#log.error({ err }, 'sfu: Janus unreachable');
        throw new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the SFU is unreachable');
      }
    })();
    return this.#rooms;
  }

  /**
   * Rooms of a lost connection: if that Janus is still running (only the connection
   * dropped), they have participants nobody watches any more; they are destroyed (their
   * windows rejoin) and their tokens voided. After a Janus restart they are gone already.
   */
  async #clearRemnants(client: JanusClient): Promise<void> {
    const remnants = this.#remnants;
    this.#remnants = [];
    for (const r of remnants) {
      await client.request({ request: 'destroy', room: r.id, secret: r.secret }).catch(() => undefined);
      for (const t of r.tokens) await client.removeToken(t).catch(() => undefined);
    }
    if (remnants.length > 0) this.#log.info({ rooms: remnants.length }, 'sfu: closed the rooms of the lost Janus connection');
  }
}
