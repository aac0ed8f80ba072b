/**
 * The SFU as the Ringlet server sees it: `getSfuJoin` checks the caller against the
 * invitation (policy.ts) and asks rooms.ts for a grant; an accepted classroom "speak"
 * invitation moves the floor. Connects to Janus lazily and again after it was lost.
 */
import { decodeClassroom } from '../../protocol/call-data.ts';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { isClassroomCall, type SfuJoin } from '../../protocol/sfu.ts';
import type { Logger } from '../log.ts';
import type { CallStep } from '../model/call-step.ts';
import type { Store } from '../store/types.ts';
import { JanusClient } from './janus.ts';
import type { RoomOwners, RoomWork } from './owners.ts';
import { joinRole } from './policy.ts';
import { SfuRooms } from './rooms.ts';

export interface SfuOptions {
  /** Janus's WebSocket API as the server reaches it, e.g. ws://127.0.0.1:8188. */
  url: string;
  /** The same as clients (the extension) reach it; default `url`. */
  publicUrl?: string;
  /** The videoroom plugin's admin_key, when Janus has one (the generated config does). */
  adminKey?: string;
  /** Video bitrate cap per publisher, bits/s. Default 512 kbit/s. */
  videoBitrate?: number;
  /** Rooms open at once. Default 50. */
  maxRooms?: number;
  emptyGraceMs?: number;
  joinWindowMs?: number;
  sweepMs?: number;
}

export const SFU_DEFAULTS = { videoBitrate: 512_000, maxRooms: 50, emptyGraceMs: 15_000, joinWindowMs: 120_000, sweepMs: 5_000 } as const;

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

  constructor(o: SfuOptions, deps: { store: Store; log: Logger; clock: () => number; owners?: RoomOwners | null }) {
    this.#o = o;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#clock = deps.clock;
    this.#owners = deps.owners ?? null;
    if (this.#owners) this.#owners.worker = (work) => this.#work(work);
    this.#sweep = setInterval(() => void this.sweep(), o.sweepMs ?? SFU_DEFAULTS.sweepMs);
    this.#sweep.unref();
  }

  /** `getSfuJoin({ inviteID })` for `userID`. */
  async join(userID: string, inviteID: string): Promise<SfuJoin> {
    const now = this.#clock();
    const { inv, group } = await this.#store.read(async (tx) => {
      const inv = await tx.getInvitation(inviteID, false);
      return { inv, group: inv?.groupID ? await tx.getGroup(inv.groupID) : null };
    });
    const role = joinRole(inv, group, userID, now);
    const floor = { classroom: isClassroomCall(inv!.data), teacher: group!.ownerID, speaker: null };
    return (await this.#room({ op: 'grant', callID: inviteID, userID, role, floor })) as SfuJoin;
  }

  /** Room work runs where the call's room is: here, or on its owner node in a cluster. */
  #room(work: RoomWork): Promise<unknown> {
    return this.#owners ? this.#owners.run(work) : this.#work(work);
  }

  /** The room work of a call whose room this node holds (or would open, for a grant). */
  async #work(work: RoomWork): Promise<unknown> {
    if (work.op === 'grant') return (await this.#connect()).grant(work.callID, work.userID, work.role, work.floor);
    const rooms = await this.#rooms?.catch(() => null);
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
        const client = await JanusClient.connect(this.#o.url);
        this.#client = client;
        void client.whenClosed.then(() => {
          if (this.#closed) return;
          this.#log.error('sfu: the connection to Janus was lost; rooms are reopened on the next join');
          this.#rooms = null;
        });
        this.#log.info({ url: this.#o.url }, 'sfu: connected to Janus');
        return new SfuRooms(client, {
          publicUrl: this.#o.publicUrl ?? this.#o.url,
          videoBitrate: this.#o.videoBitrate ?? SFU_DEFAULTS.videoBitrate,
          maxRooms: this.#o.maxRooms ?? SFU_DEFAULTS.maxRooms,
          emptyGraceMs: this.#o.emptyGraceMs ?? SFU_DEFAULTS.emptyGraceMs,
          joinWindowMs: this.#o.joinWindowMs ?? SFU_DEFAULTS.joinWindowMs,
          ...(this.#o.adminKey ? { adminKey: this.#o.adminKey } : {}),
          clock: this.#clock,
          log: this.#log,
        });
      } catch (err) {
        this.#rooms = null;
        this.#log.error({ err }, 'sfu: Janus unreachable');
        throw new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the SFU is unreachable');
      }
    })();
    return this.#rooms;
  }
}
