/**
 * A bus in front of the server's real one (`startServer({ wrapBus })`) that can hold one
 * publish back: how a test makes a commit's events reach the bus after those of a later
 * commit for the same user (what concurrent commits do now and then) without timing luck.
 *
 *   let gate!: PublishGate;
 *   const server = await startServer({ ..., wrapBus: (bus) => (gate = new PublishGate(bus)) });
 *   const held = gate.holdNext('alice');   // the next publish with a stored event for alice
 *   …commit A…; const seqA = await held;   // A's events wait here
 *   …commit B…;                            // B's go through (seq seqA + 1)
 *   gate.release();                        // now A's
 */
import type { Bus, Delivery, Revocation, RevocationListener, SessionSink } from '../../src/server/hub/types.ts';

export class PublishGate implements Bus {
  readonly #inner: Bus;
  #hold: { userID: string; resolve: (seq: number) => void } | null = null;
  #held: Array<readonly Delivery[]> = [];
  /** The seqs of the stored events that went through to the real bus, per user, in publish order. */
  readonly passed = new Map<string, number[]>();

  constructor(inner: Bus) {
    this.#inner = inner;
  }

  /** Holds the next publish that carries a stored event for `userID`; resolves with that event's seq once it is held. */
  holdNext(userID: string): Promise<number> {
    if (this.#hold) throw new Error('holdNext: a hold is already waiting');
    return new Promise((resolve) => (this.#hold = { userID, resolve }));
  }

  /** Publishes what was held, in the order it was held. */
  release(): void {
    const held = this.#held;
    this.#held = [];
    for (const d of held) this.#pass(d);
  }

  publish(deliveries: readonly Delivery[]): void {
    const hold = this.#hold;
    const mine = hold && deliveries.find((d) => d.userID === hold.userID && d.seq !== null);
    if (hold && mine) {
      this.#hold = null;
      this.#held.push(deliveries);
      hold.resolve(mine.seq!);
      return;
    }
    this.#pass(deliveries);
  }

  #pass(deliveries: readonly Delivery[]): void {
    for (const d of deliveries) {
      if (d.seq === null) continue;
      let seqs = this.passed.get(d.userID);
      if (!seqs) this.passed.set(d.userID, (seqs = []));
      seqs.push(d.seq);
    }
    this.#inner.publish(deliveries);
  }

  register(session: SessionSink): void | Promise<void> {
    return this.#inner.register(session);
  }
  unregister(session: SessionSink): void {
    this.#inner.unregister(session);
  }
  revoke(r: Revocation): void {
    this.#inner.revoke(r);
  }
  watchRevocations(l: RevocationListener): void {
    this.#inner.watchRevocations(l);
  }
  online(userIDs: readonly string[]): Promise<Set<string>> {
    return this.#inner.online(userIDs);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}
