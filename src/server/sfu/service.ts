/**
 * The SFU as the Ringlet server sees it: `getSfuJoin` checks the caller against the
 * invitation (policy.ts) and asks rooms.ts for a grant; an accepted classroom "speak"
 * invitation moves the floor. Connects to Janus lazily and again after it was lost.
 */
import { decodeClassroom } from '../../extension/shared/call-data.ts';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { isClassroomCall, type SfuJoin } from '../../protocol/sfu.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/types.ts';
import { JanusClient } from './janus.ts';
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

/**
 * Why a cluster (the Redis bus) refuses an SFU: rooms, grants and the floor live in the
 * memory of the node that opened them (rooms.ts), so two participants on different nodes
 * would get two rooms. Until that state is shared, a cluster's group calls use the mesh.
 */
export const SFU_IN_CLUSTER = 'an SFU cannot be used with --redis (several nodes) yet: SFU rooms live in one node\'s memory; group calls in a cluster use the mesh (docs/SCALE-OUT.md)';

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

  constructor(o: SfuOptions, deps: { store: Store; log: Logger; clock: () => number }) {
    this.#o = o;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#clock = deps.clock;
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
    const rooms = await this.#connect();
    return rooms.grant(inviteID, userID, role, { classroom: isClassroomCall(inv!.data), teacher: group!.ownerID, speaker: null });
  }

  /** After an accept committed: a student who takes the floor of a classroom gets to speak. */
  accepted(inviteID: string, by: string): Promise<void> {
    return this.#step(inviteID, by, 'accepted');
  }

  /**
   * After an invitation committed: the teacher's `endSpeak` (takes the floor back) or the
   * speaker's `lowerHand` (gives it back) returns the floor to the teacher alone.
   */
  invited(inviteID: string, by: string): Promise<void> {
    return this.#step(inviteID, by, 'invited');
  }

  /** Classroom steps apply one after another, in the order their requests committed. */
  #step(inviteID: string, by: string, step: 'invited' | 'accepted'): Promise<void> {
    this.#steps = this.#steps.then(() => this.#classroomStep(inviteID, by, step)).catch((err: unknown) => this.#log.warn({ err }, 'sfu: a classroom step failed'));
    return this.#steps;
  }

  async #classroomStep(inviteID: string, by: string, step: 'invited' | 'accepted'): Promise<void> {
    if (!this.#rooms) return;
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
    const rooms = await this.#rooms.catch(() => null);
    await rooms?.floor(found.callInviteID, found.classroom, by).catch((err: unknown) => this.#log.warn({ err }, 'sfu: moving the floor failed'));
  }

  /** Who has the floor of a classroom call, after the room's queued actions (tests): null while the teacher has it alone. */
  async speakerOf(callID: string): Promise<string | null> {
    await this.#steps;
    const rooms = await this.#rooms?.catch(() => null);
    return (await rooms?.speakerOf(callID)) ?? null;
  }

  /** Users whose join grant for the call was used (their participant joined; tests). */
  async joined(callID: string): Promise<string[]> {
    const rooms = await this.#rooms?.catch(() => null);
    return rooms?.joined(callID) ?? [];
  }

  /** Rooms of calls that ended are destroyed (rooms.ts). Exposed for tests. */
  async sweep(): Promise<void> {
    const rooms = await this.#rooms?.catch(() => null);
    await rooms?.sweep();
  }

  /** The open room of a call (tests). */
  async roomOf(callID: string): Promise<number | null> {
    const rooms = await this.#rooms?.catch(() => null);
    return rooms?.roomOf(callID) ?? null;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    const rooms = await this.#rooms?.catch(() => null);
    this.#rooms = null;
    await rooms?.close();
    await this.#client?.close();
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
