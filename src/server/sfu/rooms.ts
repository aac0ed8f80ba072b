/**
 * The life of the SFU rooms (one Janus videoroom per call, room.ts): created on the first
 * join grant with a random id, a random secret, `lock_record` (no participant can start a
 * recording or pick its file: that needs the secret, which only the server holds) and an
 * `allowed` token list, so Janus itself refuses anyone without a token minted here;
 * subscribers must present the private id of a joined participant (`require_pvtid`). One
 * observer handle per room hears every publisher and the server enforces the floor
 * (policy.ts). Rooms are capped on this node, per inviter and per group (policy.ts
 * roomCapRefusal). A room is destroyed when its call ends: nobody left in it for
 * `emptyGraceMs`, nobody joined within `joinWindowMs`, the group was dismissed, or the
 * server shuts down. Grants unused for `grantTtlMs` expire.
 */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { SfuJoin } from '../../protocol/sfu.ts';
import type { Logger } from '../log.ts';
import { JanusError, type JanusClient } from './janus.ts';
import { roomCapRefusal, type FloorState, type RoomCaps, type RoomHolder } from './policy.ts';
import { JanusRoom, randomToken } from './room.ts';

export interface RoomsOptions extends RoomCaps {
  /** The Janus WebSocket URL handed to clients. */
  publicUrl: string;
  videoBitrate: number;
  /** A room nobody is in for this long is destroyed. */
  emptyGraceMs: number;
  /** A room nobody joined this long after its creation is destroyed. */
  joinWindowMs: number;
  /** A grant not used (joined with) within this long expires: its token is removed. */
  grantTtlMs: number;
  /** Janus videoroom admin_key, required to create rooms when Janus is configured with one. */
  adminKey?: string;
  clock: () => number;
  log: Logger;
}

/** What is left of a room when its Janus connection is lost: enough to destroy it and void its tokens later. */
export interface RoomRemnant {
  id: number;
  secret: string;
  tokens: string[];
}

export class SfuRooms {
  #janus: JanusClient;
  #o: RoomsOptions;
  #rooms = new Map<string, JanusRoom>();
  #creating = new Map<string, { holder: RoomHolder; room: Promise<JanusRoom> }>();

  constructor(janus: JanusClient, o: RoomsOptions) {
    this.#janus = janus;
    this.#o = o;
  }

  get size(): number {
    return this.#rooms.size;
  }

  /** The calls whose rooms are open here. */
  callIDs(): string[] {
    return [...this.#rooms.keys()];
  }

  /** The Janus room of a call, if it is open (tests, bench). */
  roomOf(callID: string): number | null {
    return this.#rooms.get(callID)?.id ?? null;
  }

  /** Mints `userID`'s grant for the call's room (room.ts), opening the room within the caps if needed. */
  async grant(callID: string, userID: string, role: SfuJoin['role'], floor: FloorState, holder: RoomHolder): Promise<SfuJoin> {
    const room = await this.#open(callID, floor, holder);
    return room.grant(userID, role, { url: this.#o.publicUrl, videoBitrate: this.#o.videoBitrate }, this.#o.clock());
  }

  /** The users whose grant is in use (tests, diagnostics). */
  joined(callID: string): string[] {
    return this.#rooms.get(callID)?.joined() ?? [];
  }

  /** Who has the floor of a classroom (null: the teacher alone), after every room action queued before: a barrier for tests. */
  async speakerOf(callID: string): Promise<string | null> {
    return (await this.#rooms.get(callID)?.speakerOf()) ?? null;
  }

  /** A classroom action by `by` moves the floor. */
  async floor(callID: string, action: string, by: string): Promise<void> {
    await this.#rooms.get(callID)?.floor(action, by);
  }

  /**
   * Members left `groupID` (or it was dismissed: `userIDs` null): they lose their grants in
   * every room of the group's calls here and are kicked; a dismissed group's rooms close.
   */
  async revoke(groupID: string, userIDs: readonly string[] | null, callID?: string): Promise<void> {
    for (const room of [...this.#rooms.values()]) {
      if (room.holder.groupID !== groupID || (callID !== undefined && room.callID !== callID)) continue;
      if (userIDs === null) await this.end(room.callID);
      else await room.revoke(userIDs);
    }
  }

  /** Destroys the rooms of calls that ended (empty past the grace, or never joined) and expires unused grants. */
  async sweep(): Promise<void> {
    const now = this.#o.clock();
    for (const room of [...this.#rooms.values()]) {
      try {
        await room.expire(now, this.#o.grantTtlMs);
        const list = await this.#janus.request({ request: 'listparticipants', room: room.id });
        const present = Array.isArray(list.participants)
          ? (list.participants as Array<{ id: number }>).filter((p) => p.id !== room.observer?.feed).length
          : 0;
        if (present > 0) room.occupiedAt = now;
        const idleSince = room.occupiedAt ?? room.createdAt;
        const grace = room.occupiedAt === null ? this.#o.joinWindowMs : this.#o.emptyGraceMs;
        if (present === 0 && now - idleSince >= grace) await this.end(room.callID);
      } catch (err) {
        if (err instanceof JanusError && err.code === 426) this.#forget(room); // destroyed behind our back
        else this.#o.log.warn({ err, room: room.id }, 'sfu sweep failed');
      }
    }
  }

  /** The call is over: kick everyone, void every token, destroy its room. */
  async end(callID: string): Promise<void> {
    const room = this.#rooms.get(callID);
    if (!room) return;
    this.#forget(room);
    await room.observer?.leave();
    await room.close();
    await this.#janus.request({ request: 'destroy', room: room.id, secret: room.secret }).catch((err: unknown) => {
      if (!(err instanceof JanusError && err.code === 426)) this.#o.log.warn({ err, room: room.id }, 'sfu room destroy failed');
    });
    this.#o.log.info({ room: room.id }, 'sfu room closed');
  }

  async close(): Promise<void> {
    for (const callID of [...this.#rooms.keys()]) await this.end(callID);
  }

  /** The rooms as they were when the connection to Janus was lost (the state goes with this object). */
  remnants(): RoomRemnant[] {
    return [...this.#rooms.values()].map((r) => ({ id: r.id, secret: r.secret, tokens: r.tokens() }));
  }

  #forget(room: JanusRoom): void {
    if (this.#rooms.get(room.callID) === room) this.#rooms.delete(room.callID);
  }

  async #open(callID: string, floor: FloorState, holder: RoomHolder): Promise<JanusRoom> {
    const open = this.#rooms.get(callID);
    if (open) return open;
    let pending = this.#creating.get(callID);
    if (!pending) {
      const holders = [...[...this.#rooms.values()].map((r) => r.holder), ...[...this.#creating.values()].map((c) => c.holder)];
      const refused = roomCapRefusal(holders, holder, this.#o);
      if (refused) throw refused;
      pending = { holder, room: this.#create(callID, floor, holder).finally(() => this.#creating.delete(callID)) };
      this.#creating.set(callID, pending);
    }
    return pending.room;
  }

  async #create(callID: string, floor: FloorState, holder: RoomHolder): Promise<JanusRoom> {
    const serverToken = randomToken();
    const room = new JanusRoom(callID, holder, floor, this.#janus, this.#o.log, this.#o.clock());
    try {
      await this.#janus.request({
        request: 'create', room: room.id, secret: room.secret, allowed: [serverToken], is_private: true, permanent: false,
        publishers: 100, bitrate: this.#o.videoBitrate, bitrate_cap: true, require_pvtid: true, notify_joining: true,
        record: false, lock_record: true, audiocodec: 'opus', videocodec: 'vp8', ...(this.#o.adminKey ? { admin_key: this.#o.adminKey } : {}),
      });
    } catch (err) {
      this.#o.log.error({ err }, 'sfu room create failed');
      throw new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the SFU could not open a room for this call');
    }
    this.#rooms.set(callID, room);
    room.observer = await this.#janus.observe(room.id, serverToken, (e) => room.heard(e, this.#o.clock()));
    // The observer's token is spent too: nobody else can ever join with it.
    await this.#janus.request({ request: 'allowed', room: room.id, secret: room.secret, action: 'remove', allowed: [serverToken] });
    this.#o.log.info({ room: room.id, classroom: room.classroom }, 'sfu room opened');
    return room;
  }
}
