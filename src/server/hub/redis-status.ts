/**
 * The status board of a cluster (redis-bus.ts composes it): custom statuses in one hash,
 * and "these users' status may have changed" on the `status` channel every node hears.
 * Notices go out on the same connection as the presence updates (redis-presence.ts), so
 * Redis applies a session's presence change before any node hears the notice that follows it.
 */
import type { Redis } from 'ioredis';
import type { RedisNames } from './redis-channels.ts';
import type { StatusBoard } from './types.ts';

export class RedisStatusBoard implements StatusBoard {
  readonly #pub: Redis;
  readonly #names: RedisNames;
  readonly #listeners: Array<(userIDs: readonly string[]) => void> = [];
  #closed = false;

  constructor(pub: Redis, names: RedisNames) {
    this.#pub = pub;
    this.#names = names;
  }

  changed(userIDs: readonly string[]): void {
    if (this.#closed || userIDs.length === 0) return;
    this.#pub.publish(this.#names.status, JSON.stringify({ status: userIDs })).catch(() => {
      // Redis away: this node's own subscribers still hear it; the others refresh on reconnect (the SDK asks again).
      this.heard([...userIDs]);
    });
  }

  watch(listener: (userIDs: readonly string[]) => void): void {
    this.#listeners.push(listener);
  }

  /** A notice from the channel (or a local one Redis could not carry). */
  heard(userIDs: readonly string[]): void {
    for (const l of this.#listeners) l(userIDs);
  }

  async setCustom(userID: string, customStatus: string): Promise<void> {
    if (customStatus === '') await this.#pub.hdel(this.#names.customStatus, userID);
    else await this.#pub.hset(this.#names.customStatus, userID, customStatus);
    this.changed([userID]);
  }

  async custom(userIDs: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (userIDs.length === 0) return out;
    const values = await this.#pub.hmget(this.#names.customStatus, ...userIDs);
    userIDs.forEach((u, i) => {
      const v = values[i];
      if (typeof v === 'string') out.set(u, v);
    });
    return out;
  }

  close(): void {
    this.#closed = true;
  }
}
