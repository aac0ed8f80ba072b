/**
 * The life of the SFU rooms (one Janus videoroom per call): created on the first join
 * grant with a random id, a random secret and an `allowed` token list, so Janus itself
 * refuses anyone without a token minted here; subscribers must present the private id of
 * a joined participant (`require_pvtid`). One observer handle per room hears every
 * publisher and the server enforces the floor (policy.ts) with `kick` and `moderate`.
 * A room is destroyed when its call ends: nobody left in it for `emptyGraceMs`, nobody
 * joined within `joinWindowMs`, or the server shuts down. Participants who vanish are
 * dropped by Janus's session timeout and seen gone by the observer.
 *
 * Grants are bound (docs/CALLS.md "Feed ids bound to grants"): a token admits one join
 * (the server removes it from `allowed` once its user's feed joined), the participant must
 * join as its granted feed id with its user ID as display, and a feed id is retired when its
 * participant leaves. Anything else the observer sees is kicked.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import { limitExceeded } from '../../protocol/errors.ts';
import type { SfuJoin } from '../../protocol/sfu.ts';
import type { Logger } from '../log.ts';
import { JanusError, type JanusClient, type Observer, type PublisherInfo, type RoomEvent } from './janus.ts';
import { boundUser, floorAfter, moderate, type FloorState } from './policy.ts';

export interface RoomsOptions {
  /** The Janus WebSocket URL handed to clients. */
  publicUrl: string;
  videoBitrate: number;
  maxRooms: number;
  /** A room nobody is in for this long is destroyed. */
  emptyGraceMs: number;
  /** A room nobody joined this long after its creation is destroyed. */
  joinWindowMs: number;
  /** Janus videoroom admin_key, required to create rooms when Janus is configured with one. */
  adminKey?: string;
  clock: () => number;
  log: Logger;
}

interface Grant {
  token: string;
  feed: number;
  /** Its feed joined the room: the token was spent (removed from `allowed`). */
  used: boolean;
}

interface Room extends FloorState {
  callID: string;
  id: number;
  secret: string;
  grants: Map<string, Grant>;
  /** Live feed ids → their user; a feed is retired (deleted) when its participant leaves. */
  feeds: Map<number, string>;
  publishers: Map<number, PublisherInfo>;
  muted: Map<string, boolean>;
  observer: Observer | null;
  createdAt: number;
  /** Last time someone other than the observer was in the room; null: nobody joined yet. */
  occupiedAt: number | null;
  /** Serialises the Janus actions of this room. */
  queue: Promise<void>;
}

const randomToken = () => randomBytes(24).toString('base64url');
/** Janus ids are JSON numbers: stay within 2^53. */
const randomID = () => randomInt(1, 2 ** 47) * 32 + randomInt(0, 32);

export class SfuRooms {
  #janus: JanusClient;
  #o: RoomsOptions;
  #rooms = new Map<string, Room>();
  #creating = new Map<string, Promise<Room>>();

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

  /**
   * Mints `userID`'s join token and feed id for the call's room, creating the room if
   * needed. Asked again before that grant was used, it answers the same grant; after, a
   * new one (a reloaded window): the old feed is retired and its participant kicked.
   */
  async grant(callID: string, userID: string, role: SfuJoin['role'], floor: FloorState): Promise<SfuJoin> {
    const room = await this.#open(callID, floor);
    return this.#serial(room, async () => {
      let g = room.grants.get(userID);
      if (!g || g.used) {
        if (g) {
          room.feeds.delete(g.feed);
          await this.#kick(room, g.feed);
        }
        g = { token: randomToken(), feed: randomID(), used: false };
        await this.#janus.request({ request: 'allowed', room: room.id, secret: room.secret, action: 'add', allowed: [g.token] });
        room.grants.set(userID, g);
        room.feeds.set(g.feed, userID);
      }
      return { url: this.#o.publicUrl, room: room.id, token: g.token, feed: g.feed, role, videoBitrate: this.#o.videoBitrate };
    });
  }

  /** The users whose grant was used: their participant joined the room (tests, diagnostics). */
  joined(callID: string): string[] {
    const room = this.#rooms.get(callID);
    return room ? [...room.grants].filter(([, g]) => g.used).map(([u]) => u) : [];
  }

  /**
   * Who has the floor of a classroom (null: the teacher alone), once every room action
   * queued before this question (moderation included) is done: a barrier for tests.
   */
  async speakerOf(callID: string): Promise<string | null> {
    const room = this.#rooms.get(callID);
    return room ? this.#serial(room, async () => room.speaker) : null;
  }

  /** A classroom action by `by` (policy.ts floorAfter) moves the floor. */
  async floor(callID: string, action: string, by: string): Promise<void> {
    const room = this.#rooms.get(callID);
    if (!room || !room.classroom) return;
    await this.#serial(room, async () => {
      const speaker = floorAfter(room, action, by);
      if (speaker === room.speaker) return;
      this.#o.log.info({ room: room.id, action }, speaker === null ? 'sfu: the floor is back with the teacher' : 'sfu: the floor moved');
      room.speaker = speaker;
      await this.#enforce(room);
    });
  }

  /** Destroys the rooms of calls that ended (empty past the grace, or never joined). */
  async sweep(): Promise<void> {
    const now = this.#o.clock();
    for (const room of [...this.#rooms.values()]) {
      try {
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

  /** The call is over: kick everyone and destroy its room. */
  async end(callID: string): Promise<void> {
    const room = this.#rooms.get(callID);
    if (!room) return;
    this.#forget(room);
    await room.observer?.leave();
    await this.#janus.request({ request: 'destroy', room: room.id, secret: room.secret }).catch((err: unknown) => {
      if (!(err instanceof JanusError && err.code === 426)) this.#o.log.warn({ err, room: room.id }, 'sfu room destroy failed');
    });
    this.#o.log.info({ room: room.id }, 'sfu room closed');
  }

  async close(): Promise<void> {
    for (const callID of [...this.#rooms.keys()]) await this.end(callID);
  }

  #forget(room: Room): void {
    if (this.#rooms.get(room.callID) === room) this.#rooms.delete(room.callID);
  }

  async #open(callID: string, floor: FloorState): Promise<Room> {
    const open = this.#rooms.get(callID);
    if (open) return open;
    let pending = this.#creating.get(callID);
    if (!pending) {
      if (this.#rooms.size + this.#creating.size >= this.#o.maxRooms) throw limitExceeded('sfu_rooms', `the SFU carries at most ${this.#o.maxRooms} rooms at once`);
      pending = this.#create(callID, floor).finally(() => this.#creating.delete(callID));
      this.#creating.set(callID, pending);
    }
    return pending;
  }

  async #create(callID: string, floor: FloorState): Promise<Room> {
    const serverToken = randomToken();
    const room: Room = {
      ...floor, callID, id: randomID(), secret: randomToken(), grants: new Map(), feeds: new Map(), publishers: new Map(),
      muted: new Map(), observer: null, createdAt: this.#o.clock(), occupiedAt: null, queue: Promise.resolve(),
    };
    try {
      await this.#janus.request({
        request: 'create', room: room.id, secret: room.secret, allowed: [serverToken], is_private: true, permanent: false,
        publishers: 100, bitrate: this.#o.videoBitrate, bitrate_cap: true, require_pvtid: true, notify_joining: true,
        audiocodec: 'opus', videocodec: 'vp8', ...(this.#o.adminKey ? { admin_key: this.#o.adminKey } : {}),
      });
    } catch (err) {
      this.#o.log.error({ err }, 'sfu room create failed');
      throw new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'the SFU could not open a room for this call');
    }
    this.#rooms.set(callID, room);
    room.observer = await this.#janus.observe(room.id, serverToken, (e) => this.#heard(room, e));
    // The observer's token is spent too: nobody else can ever join with it.
    await this.#janus.request({ request: 'allowed', room: room.id, secret: room.secret, action: 'remove', allowed: [serverToken] });
    this.#o.log.info({ room: room.id, classroom: room.classroom }, 'sfu room opened');
    return room;
  }

  #heard(room: Room, e: RoomEvent): void {
    if (e.type === 'joining' || e.type === 'renamed') {
      if (e.type === 'joining') room.occupiedAt = this.#o.clock();
      const published = room.publishers.get(e.feed);
      if (published) room.publishers.set(e.feed, { ...published, display: e.display });
      void this.#serial(room, () => this.#admit(room, e.feed, e.display));
      return;
    }
    if (e.type === 'unpublished' || e.type === 'left') {
      room.publishers.delete(e.feed);
      for (const key of [...room.muted.keys()]) if (key.startsWith(`${e.feed}:`)) room.muted.delete(key);
      if (e.type === 'left') void this.#serial(room, () => this.#left(room, e.feed));
      return;
    }
    for (const p of e.publishers) room.publishers.set(p.feed, p);
    room.occupiedAt = this.#o.clock();
    void this.#serial(room, () => this.#enforce(room));
  }

  /** A participant joined (or renamed itself): the holder of a live grant spends its token; anyone else is kicked. */
  async #admit(room: Room, feed: number, display: string): Promise<void> {
    if (!this.#rooms.has(room.callID) || feed === room.observer?.feed) return;
    const user = boundUser(room.feeds, feed, display);
    const g = user === null ? undefined : room.grants.get(user);
    if (!g || g.feed !== feed) {
      this.#o.log.warn({ room: room.id, feed }, 'sfu: kicked a participant not bound to a grant (feed id or display)');
      await this.#kick(room, feed).catch((err: unknown) => this.#o.log.warn({ err, room: room.id }, 'sfu kick failed'));
      return;
    }
    if (g.used) return;
    try {
      await this.#janus.request({ request: 'allowed', room: room.id, secret: room.secret, action: 'remove', allowed: [g.token] });
      g.used = true;
    } catch (err) {
      this.#o.log.warn({ err, room: room.id }, 'sfu: could not spend a join token');
    }
  }

  /** The admitted participant of a grant left: its feed id is retired; a speaker who leaves gives the floor back. */
  async #left(room: Room, feed: number): Promise<void> {
    const user = room.feeds.get(feed);
    const g = user === undefined ? undefined : room.grants.get(user);
    if (user === undefined || !g?.used || g.feed !== feed) return; // a kicked impostor: the grant stays good
    room.feeds.delete(feed);
    if (room.classroom && room.speaker === user) {
      this.#o.log.info({ room: room.id }, 'sfu: the speaker left; the floor is back with the teacher');
      room.speaker = null;
      await this.#enforce(room);
    }
  }

  async #enforce(room: Room): Promise<void> {
    if (!this.#rooms.has(room.callID)) return;
    const ignore = new Set(room.observer ? [room.observer.feed] : []);
    for (const a of moderate(room, [...room.publishers.values()], room.feeds, room.muted, ignore)) {
      try {
        if (a.type === 'kick') {
          this.#o.log.warn({ room: room.id, feed: a.feed }, 'sfu: kicked a publisher the server never granted');
          await this.#kick(room, a.feed);
          room.publishers.delete(a.feed);
        } else {
          await this.#janus.request({ request: 'moderate', room: room.id, secret: room.secret, id: a.feed, mid: a.mid, mute: a.mute });
          room.muted.set(`${a.feed}:${a.mid}`, a.mute);
        }
      } catch (err) {
        if (!(err instanceof JanusError && err.code === 428)) this.#o.log.warn({ err, room: room.id }, 'sfu moderation failed');
      }
    }
  }

  async #kick(room: Room, feed: number): Promise<void> {
    await this.#janus.request({ request: 'kick', room: room.id, secret: room.secret, id: feed }).catch((err: unknown) => {
      if (!(err instanceof JanusError && err.code === 428)) throw err; // 428: not (or no longer) there
    });
  }

  #serial<T>(room: Room, task: () => Promise<T>): Promise<T> {
    const run = room.queue.then(task);
    room.queue = run.then(() => {}, () => {});
    return run;
  }
}
