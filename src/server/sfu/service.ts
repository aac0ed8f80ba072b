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

export const SFU_DEFAULTS = { videoBitrate: 512_000, maxRooms: 50, emptyGraceMs: 15_000, joinWindowMs: 120_000, sweepMs: 5_000 } as const;

export class SfuService {
  #o: SfuOptions;
  #store: Store;
  #log: Logger;
  #clock: () => number;
  #rooms: Promise<SfuRooms> | null = null;
  #sweep: ReturnType<typeof setInterval>;
  #closed = false;

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
  async accepted(inviteID: string, by: string): Promise<void> {
    if (!this.#rooms) return;
    const found = await this.#store.read(async (tx) => {
      const inv = await tx.getInvitation(inviteID, false);
      const cls = inv ? decodeClassroom(inv.data) : null;
      if (!inv || !cls || cls.classroom !== 'speak' || !inv.groupID) return null;
      const group = await tx.getGroup(inv.groupID);
      return group && group.ownerID === inv.inviter && inv.inviteeList.includes(by) ? cls.callInviteID : null;
    });
    if (!found) return;
    const rooms = await this.#rooms.catch(() => null);
    await rooms?.setSpeaker(found, by).catch((err: unknown) => this.#log.warn({ err }, 'sfu: moving the floor failed'));
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
