/**
 * One call's Janus videoroom as the server runs it: its grants (one token per grant,
 * which Janus's core accepts only while the server keeps it, and which the room's
 * `allowed` list admits once), the feed ids bound to them, the floor, and the observer
 * that hears every participant (docs/CALLS.md "Feed ids bound to grants", docs/SECURITY.md
 * "The SFU"). Every Janus action of a room runs in turn (`serial`).
 *
 * A grant's token is removed from Janus when its participant leaves, when it expires
 * unused, when its user is removed from the call's group, and when the room closes: the
 * session that holds it can then do nothing more, and its participant is kicked at once.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { SfuJoin } from '../../protocol/sfu.ts';
import type { Logger } from '../log.ts';
import { JanusError, type JanusClient, type Observer, type PublisherInfo, type RoomEvent } from './janus.ts';
import { boundUser, floorAfter, moderate, type FloorState, type RoomHolder } from './policy.ts';

interface Grant {
  token: string;
  feed: number;
  /** Its feed joined the room: the room's `allowed` entry was spent (the core token stays until it leaves). */
  used: boolean;
  issuedAt: number;
}

export const randomToken = (): string => randomBytes(24).toString('base64url');
/** Janus ids are JSON numbers: stay within 2^53. */
export const randomID = (): number => randomInt(1, 2 ** 47) * 32 + randomInt(0, 32);

/** What a grant answers besides the room's own fields. */
export interface GrantShape {
  url: string;
  videoBitrate: number;
}

export class JanusRoom implements FloorState {
  readonly id = randomID();
  readonly secret = randomToken();
  readonly createdAt: number;
  classroom: boolean;
  teacher: string;
  speaker: string | null;
  /** Last time someone other than the observer was in the room; null: nobody joined yet. */
  occupiedAt: number | null = null;
  observer: Observer | null = null;
  readonly #janus: JanusClient;
  readonly #log: Logger;
  readonly #grants = new Map<string, Grant>();
  /** Live feed ids → their user; a feed is retired (deleted) when its participant leaves. */
  readonly #feeds = new Map<number, string>();
  readonly #publishers = new Map<number, PublisherInfo>();
  readonly #muted = new Map<string, boolean>();
  /** Users removed from the call's group: never granted again in this room. */
  readonly #revoked = new Set<string>();
  #queue: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(readonly callID: string, readonly holder: RoomHolder, floor: FloorState, janus: JanusClient, log: Logger, now: number) {
    this.classroom = floor.classroom;
    this.teacher = floor.teacher;
    this.speaker = floor.speaker;
    this.#janus = janus;
    this.#log = log;
    this.createdAt = now;
  }

  /**
   * `userID`'s grant: the same one while unused; after its use (a reloaded window) a new
   * one, and the old participant is kicked and its token removed.
   */
  grant(userID: string, role: SfuJoin['role'], shape: GrantShape, now: number): Promise<SfuJoin> {
    return this.serial(async () => {
      if (this.#revoked.has(userID)) throw new RingletError(ErrorCode.NOT_PERMITTED, 'not_participant', 'only the call\'s inviter and the invitees who accepted it, while members of its group, may join its SFU room');
      if (this.#closed) throw new RingletError(ErrorCode.INTERNAL, 'sfu_unavailable', 'this call\'s SFU room was just closed; ask again for a new one');
      let g = this.#grants.get(userID);
      if (!g || g.used) {
        if (g) await this.#drop(userID, g);
        g = { token: randomToken(), feed: randomID(), used: false, issuedAt: now };
        await this.#janus.addToken(g.token);
        try {
          await this.#janus.request({ request: 'allowed', room: this.id, secret: this.secret, action: 'add', allowed: [g.token] });
        } catch (err) {
          await this.#janus.removeToken(g.token).catch(() => undefined);
          throw err;
        }
        this.#grants.set(userID, g);
        this.#feeds.set(g.feed, userID);
      }
      return { url: shape.url, room: this.id, token: g.token, feed: g.feed, role, videoBitrate: shape.videoBitrate };
    });
  }

  /** Users whose grant is in use: their participant joined and has not left. */
  joined(): string[] {
    return [...this.#grants].filter(([, g]) => g.used).map(([u]) => u);
  }

  /** Tokens of every live grant (for the cleanup of a room whose Janus connection was lost). */
  tokens(): string[] {
    return [...this.#grants.values()].map((g) => g.token);
  }

  /**
   * These users lost their right to the call (removed from its group): their participants
   * are kicked at once (Janus also stops their subscriptions: `require_pvtid` ties them to
   * the kicked publisher), their tokens removed, and they are never granted again here.
   */
  revoke(userIDs: readonly string[]): Promise<void> {
    return this.serial(async () => {
      let floorLost = false;
      for (const u of userIDs) {
        this.#revoked.add(u);
        const g = this.#grants.get(u);
        if (g) await this.#drop(u, g);
        if (this.speaker === u) floorLost = true;
      }
      if (userIDs.length > 0) this.#log.info({ room: this.id, users: userIDs.length }, 'sfu: removed members lost their grants');
      if (floorLost) {
        this.speaker = null;
        await this.#enforce();
      }
    });
  }

  /** Grants never used within `ttlMs` expire: their tokens are removed. */
  expire(now: number, ttlMs: number): Promise<void> {
    return this.serial(async () => {
      for (const [u, g] of [...this.#grants]) if (!g.used && now - g.issuedAt >= ttlMs) await this.#drop(u, g);
    });
  }

  /** A classroom action by `by` (policy.ts floorAfter) moves the floor. */
  floor(action: string, by: string): Promise<void> {
    return this.serial(async () => {
      if (!this.classroom) return;
      const speaker = floorAfter(this, action, by);
      if (speaker === this.speaker) return;
      this.#log.info({ room: this.id, action }, speaker === null ? 'sfu: the floor is back with the teacher' : 'sfu: the floor moved');
      this.speaker = speaker;
      await this.#enforce();
    });
  }

  /** Who has the floor once every action queued before this question is done. */
  speakerOf(): Promise<string | null> {
    return this.serial(async () => this.speaker);
  }

  /** The room is closing: no more grants, every token removed. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.serial(async () => {
      for (const g of this.#grants.values()) await this.#janus.removeToken(g.token).catch((err: unknown) => this.#log.warn({ err, room: this.id }, 'sfu: could not remove a token'));
      this.#grants.clear();
      this.#feeds.clear();
    });
  }

  /** What the observer heard. */
  heard(e: RoomEvent, now: number): void {
    if (e.type === 'joining' || e.type === 'renamed') {
      if (e.type === 'joining') this.occupiedAt = now;
      const published = this.#publishers.get(e.feed);
      if (published) this.#publishers.set(e.feed, { ...published, display: e.display });
      void this.serial(() => this.#admit(e.feed, e.display));
      return;
    }
    if (e.type === 'unpublished' || e.type === 'left') {
      this.#publishers.delete(e.feed);
      for (const key of [...this.#muted.keys()]) if (key.startsWith(`${e.feed}:`)) this.#muted.delete(key);
      if (e.type === 'left') void this.serial(() => this.#left(e.feed));
      return;
    }
    for (const p of e.publishers) this.#publishers.set(p.feed, p);
    this.occupiedAt = now;
    void this.serial(() => this.#enforce());
  }

  serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.then(() => {}, () => {});
    return run;
  }

  /** Ends a grant: its feed retired, its participant kicked (or its unused `allowed` entry dropped), its token removed. */
  async #drop(userID: string, g: Grant): Promise<void> {
    this.#grants.delete(userID);
    this.#feeds.delete(g.feed);
    if (g.used) await this.#kick(g.feed).catch((err: unknown) => this.#log.warn({ err, room: this.id }, 'sfu kick failed'));
    else await this.#janus.request({ request: 'allowed', room: this.id, secret: this.secret, action: 'remove', allowed: [g.token] }).catch(() => undefined);
    await this.#janus.removeToken(g.token).catch((err: unknown) => this.#log.warn({ err, room: this.id }, 'sfu: could not remove a token'));
  }

  /** A participant joined (or renamed itself): the holder of a live grant spends its `allowed` entry; anyone else is kicked. */
  async #admit(feed: number, display: string): Promise<void> {
    if (this.#closed || feed === this.observer?.feed) return;
    const user = boundUser(this.#feeds, feed, display);
    const g = user === null ? undefined : this.#grants.get(user);
    if (!g || g.feed !== feed) {
      this.#log.warn({ room: this.id, feed }, 'sfu: kicked a participant not bound to a grant (feed id or display)');
      await this.#kick(feed).catch((err: unknown) => this.#log.warn({ err, room: this.id }, 'sfu kick failed'));
      return;
    }
    if (g.used) return;
    try {
      await this.#janus.request({ request: 'allowed', room: this.id, secret: this.secret, action: 'remove', allowed: [g.token] });
      g.used = true;
    } catch (err) {
      this.#log.warn({ err, room: this.id }, 'sfu: could not spend a join token');
    }
  }

  /** The admitted participant of a grant left: its feed id is retired and its token removed; a speaker who leaves gives the floor back. */
  async #left(feed: number): Promise<void> {
    const user = this.#feeds.get(feed);
    const g = user === undefined ? undefined : this.#grants.get(user);
    if (user === undefined || !g?.used || g.feed !== feed) return; // a kicked impostor: the grant stays good
    this.#grants.delete(user);
    this.#feeds.delete(feed);
    await this.#janus.removeToken(g.token).catch((err: unknown) => this.#log.warn({ err, room: this.id }, 'sfu: could not remove a token'));
    if (this.classroom && this.speaker === user) {
      this.#log.info({ room: this.id }, 'sfu: the speaker left; the floor is back with the teacher');
      this.speaker = null;
      await this.#enforce();
    }
  }

  async #enforce(): Promise<void> {
    if (this.#closed) return;
    const ignore = new Set(this.observer ? [this.observer.feed] : []);
    for (const a of moderate(this, [...this.#publishers.values()], this.#feeds, this.#muted, ignore)) {
      try {
        if (a.type === 'kick') {
          this.#log.warn({ room: this.id, feed: a.feed }, 'sfu: kicked a publisher the server never granted');
          await this.#kick(a.feed);
          this.#publishers.delete(a.feed);
        } else {
          await this.#janus.request({ request: 'moderate', room: this.id, secret: this.secret, id: a.feed, mid: a.mid, mute: a.mute });
          this.#muted.set(`${a.feed}:${a.mid}`, a.mute);
        }
      } catch (err) {
        if (!(err instanceof JanusError && err.code === 428)) this.#log.warn({ err, room: this.id }, 'sfu moderation failed');
      }
    }
  }

  async #kick(feed: number): Promise<void> {
    await this.#janus.request({ request: 'kick', room: this.id, secret: this.secret, id: feed }).catch((err: unknown) => {
      if (!(err instanceof JanusError && err.code === 428)) throw err; // 428: not (or no longer) there
    });
  }
}
