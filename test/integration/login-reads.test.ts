/**
 * Issue 22: the PostgreSQL login reads (store/postgres/login-reads.ts: one statement for
 * every login of a turn) answer exactly what the same reads as transactions over the
 * shared queries answer (store/tx-login-reads.ts), on one real database, for a mix of
 * logins read together: new users, a user twice, fresh starts with ringing invitations,
 * resumes that can and cannot be served, a revoked token and a raised generation.
 * integration-postgres project only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoginSnapshotQuery } from '../../src/server/store/login-reads.ts';
import { PostgresStore } from '../../src/server/store/postgres/store.ts';
import { TxLoginReads } from '../../src/server/store/tx-login-reads.ts';
import { testBackend, testStorage, type TestStorage } from '../support/backends.ts';
import type { Invitation } from '../../src/server/model/invitation.ts';

if (testBackend() !== 'postgres') console.log('login-reads: skipped on SQLite (it compares the PostgreSQL statements with the shared queries; runs in integration-postgres)');

describe.skipIf(testBackend() !== 'postgres')('the login reads on PostgreSQL', () => {
  let db: TestStorage;
  let store: PostgresStore;
  beforeAll(async () => {
    db = await testStorage('login-reads', 'postgres');
    const { PostgresDriver } = await import('../../src/server/store/postgres/driver.ts');
    store = await PostgresStore.open(await PostgresDriver.connect(db.storage, { max: 4 }));
    const now = Date.now();
    await store.write(async (tx) => {
      for (const u of ['old', 'ringing', 'caller', 'gone']) await tx.ensureUser(u, now);
      await tx.insertGroup({ groupID: 'g1', name: 'G', type: 'Work', ownerID: 'old' }, now);
      await tx.addMembers('g1', [{ userID: 'old', role: 'Owner' } as never], now);
      await tx.appendEvents([{ userID: 'old', inviteID: null, deadline: null, frame: '{"message":{}}' }], now);
      await tx.appendEvents([{ userID: 'old', inviteID: null, deadline: null, frame: '{"message":{}}' }], now);
      const inv = { inviteID: 'i1', inviter: 'caller', groupID: '', inviteeList: ['ringing'], parts: { ringing: 'pending' }, endReason: null, deadline: now + 60_000, createdAt: now, timeout: 60, data: '', onlineUserOnly: false } as unknown as Invitation;
      await tx.insertInvitation(inv);
      await tx.bumpTokenGeneration('gone');
      await tx.revokeToken('tok-revoked', 'old', now + 60_000);
    });
  });
  afterAll(async () => {
    await store?.close();
    await db?.cleanup();
  });

  it('answers a turn of mixed logins as the shared queries do', async () => {
    const now = Date.now();
    const q = (userID: string, lastSeq: number | undefined, tokenID: string | null, maxReplay = 2000): LoginSnapshotQuery => ({ userID, lastSeq, tokenID, maxReplay, announceMax: 100, now });
    const queries = [
      q('old', undefined, 'tok-a'), q('old', 2, 'tok-revoked'), q('old', 1, null), q('old', 0, null, 1), q('old', 5, null),
      q('ringing', undefined, null), q('caller', 0, null), q('gone', 0, 'x'), q('brand-new', 3, null), q('brand-new', undefined, null),
    ];
    // Read together (one turn: one statement), before the transactions register 'brand-new'.
    const together = await Promise.all(queries.map((x) => store.login.loginSnapshot(x)));
    const shared = new TxLoginReads(store);
    const one = [];
    for (const x of queries) one.push(await shared.loginSnapshot(x));
    expect(together).toEqual(one);
    expect(together.map((s) => s.resumable)).toEqual([false, true, true, false, false, false, true, true, false, false]);
    expect(together[1]!.token.tokenRevoked).toBe(true);
    expect(together[7]!.token.generation).toBe(1);
    expect(together[5]!.open.map((i) => i.inviteID)).toEqual(['i1']);
    expect(together[0]!.groups.map((g) => g.groupID)).toEqual(['g1']);
    expect(await store.login.tokenStates([{ userID: 'old', tokenID: 'tok-revoked' }, { userID: 'gone', tokenID: null }, { userID: 'nobody', tokenID: 'z' }]))
      .toEqual(await shared.tokenStates([{ userID: 'old', tokenID: 'tok-revoked' }, { userID: 'gone', tokenID: null }, { userID: 'nobody', tokenID: 'z' }]));
    expect(await store.login.currentSeqs(['old', 'nobody'])).toEqual(await shared.currentSeqs(['old', 'nobody']));
  });
});
