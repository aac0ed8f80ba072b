/**
 * Which nodes are alive: this node's heartbeat (a key that expires unless refreshed) and
 * the set of nodes whose heartbeat is still there. A node that disappears between two
 * checks died (SIGKILL, host loss): `dead()` names it.
 */
import type { Redis } from 'ioredis';
import type { RedisNames } from './redis-channels.ts';
import type { RedisScripts } from './redis-scripts.ts';

export class Liveness {
  readonly #pub: Redis;
  readonly #names: RedisNames;
  readonly #ttlMs: number;
  /** Nodes seen alive at the last check; one that disappears died. */
  #live: Set<string> | null = null;

  constructor(pub: Redis, names: RedisNames, ttlMs: number) {
    this.#pub = pub;
    this.#names = names;
    this.#ttlMs = ttlMs;
  }

  /** Refreshes this node's heartbeat. */
  async beat(): Promise<void> {
    await this.#pub.multi().set(this.#names.node(this.#names.nodeID), String(Date.now()), 'PX', this.#ttlMs).sadd(this.#names.nodes, this.#names.nodeID).exec();
  }

  /** Every node with a live heartbeat (dead ones are dropped from the set on the way). */
  async liveNodes(): Promise<Set<string>> {
    return new Set(await (this.#pub as unknown as RedisScripts).ringletLiveNodes(this.#names.nodes, this.#names.node('')));
  }

  /** The nodes that stopped heartbeating since the last call (none on the first). */
  async dead(): Promise<string[]> {
    const live = await this.liveNodes();
    const before = this.#live;
    this.#live = live;
    if (!before) return [];
    return [...before].filter((n) => !live.has(n) && n !== this.#names.nodeID);
  }

  /** Removes this node's heartbeat (a clean stop), in the caller's pipeline. */
  forget(p: ReturnType<Redis['pipeline']>): void {
    p.del(this.#names.node(this.#names.nodeID));
    p.srem(this.#names.nodes, this.#names.nodeID);
  }
}
