/**
 * A request and a deadline committing events for the same user together: on SQLite they
 * land in one commit group, the request first, and the deadline runner (one `await` closer
 * to the commit than a request) publishes its event first. The user must still hear both,
 * in seq order. The server's parts are put together here (as startServer does) so the test
 * can start both in the same turn of the event loop, on a real store.
 * Runs on a real SQLite file, and on PostgreSQL in the integration-postgres project.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Reply, RequestFrame } from '../../src/protocol/frames.ts';
import { TSignaling } from '../../src/protocol/signaling.ts';
import { LocalStatusBoard } from '../../src/server/hub/local-status.ts';
import { StatusService } from '../../src/server/presence/status-service.ts';
import { Dispatcher } from '../../src/server/dispatch.ts';
import { LocalBus } from '../../src/server/hub/local-bus.ts';
import type { Delivery, SessionSink } from '../../src/server/hub/types.ts';
import { ContactService } from '../../src/server/im/contacts.ts';
import { GroupService } from '../../src/server/im/groups.ts';
import { MessageService } from '../../src/server/im/messages.ts';
import { resolveLimits } from '../../src/server/limits/config.ts';
import { createLogger } from '../../src/server/log.ts';
import { DeadlineRunner } from '../../src/server/signaling/deadlines.ts';
import { SignalingService } from '../../src/server/signaling/service.ts';
import { openStore, type Store } from '../../src/server/store/index.ts';
import { testStorage, type TestStorage } from '../support/backends.ts';

let db: TestStorage | null = null;
let store: Store | null = null;
afterEach(async () => {
  await store?.close();
  await db?.cleanup();
  store = null;
  db = null;
});

/** A session that records what the bus hands it. */
function recorder(id: string, userID: string): SessionSink & { got: Delivery[] } {
  const got: Delivery[] = [];
  return { id, userID, got, deliver: (d) => void got.push(d), kick: () => undefined, revokedBy: () => false };
}

describe('a deadline and a request in one commit', () => {
  it('the user hears the request\'s event and the deadline\'s, in seq order', async () => {
    db = await testStorage('deadline-order');
    const s = (store = await openStore(db.storage));
    let now = 1_700_000_000_000;
    const clock = () => now;
    const log = createLogger('silent');
    const limits = resolveLimits();
    const bus = new LocalBus({ seqOf: (u) => s.read((tx) => tx.currentSeq(u)), log });
    const signaling = new SignalingService(bus, limits);
    const dispatcher = new Dispatcher({
      status: new StatusService({ store: s, bus, board: new LocalStatusBoard(), limits, log, clock }),
      store: s, bus, signaling, groups: new GroupService(signaling, { limits, consent: true }), contacts: new ContactService(limits), messages: new MessageService(), log, clock,
      onDeadlines: () => undefined, ice: {}, limits, sfu: null, metrics: null,
    });
    const deadlines = new DeadlineRunner({ store: s, bus, signaling, log, metrics: null, clock, pollMs: 3600_000 });
    await s.write(async (tx) => {
      await tx.ensureUser('alice', now);
      await tx.ensureUser('bob', now);
    });
    let n = 0;
    const call = (userID: string, frame: Omit<RequestFrame, 'type' | 'id'>) =>
      new Promise<Reply>((resolve) => void dispatcher.handle(userID, `${userID}-1`, { type: 'req', id: `r${++n}`, ...frame } as RequestFrame, resolve));
    const inviteID = (r: Reply) => ((r as { data: { inviteID: string } }).data ?? (r as unknown as { inviteID: string })).inviteID;

    const alice = recorder('alice-2', 'alice');
    await bus.register(alice);
    const answered = inviteID(await call('alice', { op: 'invite', params: { userID: 'bob', timeout: 0 } }));
    const timed = inviteID(await call('alice', { op: 'invite', params: { userID: 'bob', timeout: 1 } }));
    now += 2000;
    const before = alice.got.length;
    // Queued in this order in the same turn: one commit group on SQLite.
    const reject = call('bob', { op: 'reject', params: { inviteID: answered } });
    const pass = deadlines.start();
    expect((await reject).code).toBe(0);
    await pass;
    await deadlines.stop();

    const heard = alice.got.slice(before).filter((d) => d.seq !== null).map((d) => {
      const { signal } = JSON.parse(d.frame) as { signal: { name: string; data: { inviteID: string } } };
      return { seq: d.seq!, name: signal.name, inviteID: signal.data.inviteID };
    });
    expect(heard.map((e) => [e.name, e.inviteID]).sort()).toEqual([[TSignaling.INVITEE_REJECTED, answered], [TSignaling.INVITATION_TIMEOUT, timed]].sort());
    const seqs = heard.map((e) => e.seq);
    expect(seqs, 'in seq order').toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs[1]).toBe(seqs[0]! + 1);
    await bus.close();
  });
});
