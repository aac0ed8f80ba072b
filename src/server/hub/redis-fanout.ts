/**
 * Seq-ordered fan-out across nodes: a committed delivery goes to the local sessions of its
 * user at once and, through Redis, to every other live node holding a session of that
 * user (looked up in presence). Each node passes a user's stored events to its sessions
 * strictly in seq order (delivery-order.ts, the same step as the in-process bus) from a
 * baseline read when the user's first local session registers, after its presence is
 * visible, so every later commit is published to this node.
 */
import type { Redis } from 'ioredis';
import { DeliveryOrder, passTo } from './delivery-order.ts';
import type { LocalSessions } from './local-sessions.ts';
import type { DeliverMessage, RedisNames } from './redis-channels.ts';
import type { Presence } from './redis-presence.ts';
import type { Delivery } from './types.ts';
import type { OrderState } from './user-order.ts';

export interface FanoutOptions {
  pub: Redis;
  names: RedisNames;
  presence: Presence;
  sessions: LocalSessions;
  seqOf?: (userID: string) => Promise<number>;
  holdMs: number;
  /** A gap in a user's seqs stayed open for holdMs. */
  gap(userID: string, state: OrderState): void;
  /** A publish failed: these users' remote sessions may have missed something. */
  failed(err: unknown, users: readonly string[]): void;
}

export class Fanout {
  readonly #o: FanoutOptions;
  readonly order: DeliveryOrder;
  published = 0;
  received = 0;

  constructor(o: FanoutOptions) {
    this.#o = o;
    this.order = new DeliveryOrder({ seqOf: o.seqOf, holdMs: o.holdMs, pass: (d) => passTo(o.sessions.of(d.userID), d), gap: o.gap });
  }

  /** Here and, unless `localOnly`, on every other node with sessions of the users. */
  publish(deliveries: readonly Delivery[], localOnly: boolean): void {
    for (const d of deliveries) this.#local(d);
    if (localOnly) return;
    const { pub, names, presence } = this.#o;
    const users = [...new Set(deliveries.map((d) => d.userID))];
    // Commands on one connection keep their order, and so do their replies: the PUBLISHes
    // of successive publish() calls leave in the order of the calls.
    presence
      .nodesOf(users)
      .then((nodesPerUser) => {
        const byNode = new Map<string, Delivery[]>();
        users.forEach((u, i) => {
          for (const node of nodesPerUser[i] ?? []) {
            let list = byNode.get(node);
            if (!list) byNode.set(node, (list = []));
            for (const d of deliveries) if (d.userID === u) list.push(d);
          }
        });
        for (const [node, d] of byNode) {
          const msg: DeliverMessage = { t: 'd', from: names.nodeID, d };
          this.published++;
          pub.publish(names.deliver(node), JSON.stringify(msg)).catch((err: unknown) => this.#o.failed(err, d.map((x) => x.userID)));
        }
      })
      .catch((err: unknown) => this.#o.failed(err, users));
  }

  /** Deliveries another node published to this one. */
  receive(deliveries: readonly Delivery[]): void {
    this.received++;
    for (const d of deliveries) this.#local(d);
  }

  #local(d: Delivery): void {
    if (this.#o.sessions.has(d.userID)) this.order.take(d);
  }
}
