/**
 * Rule 1 (the server is the authority: crossing actions never both win) and rule 6 for
 * several sessions of the same user (multi-device).
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED,
  CANCELLED,
  expectError,
  expectOk,
  invite,
  inviteInGroup,
  makeGroup,
  NEW,
  pendingIDs,
  REJECTED,
  settle,
  signalsOf,
  useHarness,
} from './helpers.ts';

const h = useHarness();

/** Rounds of each race: enough to see both orders now and then, cheap enough to stay fast. */
const ROUNDS = 4;

function oneWinner(results: PromiseSettledResult<unknown>[]): number {
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  expect(ok, `exactly one of the crossing calls succeeds: ${JSON.stringify(results.map((r) => r.status))}`).toBe(1);
  return results.findIndex((r) => r.status === 'fulfilled');
}

function failure(r: PromiseSettledResult<unknown>): { code: number; reason: string } {
  expect(r.status).toBe('rejected');
  const e = (r as PromiseRejectedResult).reason;
  expect(e).toBeInstanceOf(Error);
  return { code: e.code, reason: e.reason };
}

describe('accept crossing cancel', () => {
  it('lets exactly one win; the loser fails with how it ended and nobody hears both outcomes', async () => {
    const alice = await h().online('alice');
    const alice2 = await h().client(alice.userID, { label: 'alice#2' });
    const bob = await h().online('bob');
    const bob2 = await h().client(bob.userID, { label: 'bob#2' });
    for (let i = 0; i < ROUNDS; i++) {
      const id = await invite(alice, { userID: bob.userID, timeout: 0 });
      await bob.rec.waitSig(NEW, id);
      await bob2.rec.waitSig(NEW, id);
      const results = await settle<unknown>([bob.chat.accept({ inviteID: id }), alice.chat.cancel({ inviteID: id })]);
      const w = oneWinner(results);
      if (w === 0) {
        expect(failure(results[1]!)).toEqual({ code: 8020, reason: 'accepted' });
        for (const c of [alice, alice2, bob2]) await c.rec.waitSig(ACCEPTED, id);
        for (const c of [alice, alice2, bob, bob2]) await c.rec.expectNoSig(CANCELLED, id);
      } else {
        expect(failure(results[0]!)).toEqual({ code: 8010, reason: 'cancelled' });
        for (const c of [bob, bob2, alice2]) await c.rec.waitSig(CANCELLED, id);
        for (const c of [alice, alice2, bob, bob2]) await c.rec.expectNoSig(ACCEPTED, id);
      }
      for (const c of [alice, alice2, bob, bob2]) {
        const outcomes = c.rec.about(id).filter((e) => e.name !== NEW);
        expect(outcomes.length, `${c.rec.label} hears at most one outcome`).toBeLessThanOrEqual(1);
      }
      // history agrees: one outcome only
      const kinds = (await signalsOf(alice, 'C2C' + bob.userID, id)).map((s) => s.actionType);
      expect(kinds).toEqual([1, w === 0 ? 3 : 2]);
    }
  });
});

describe('reject crossing cancel', () => {
  it('lets exactly one win; the loser fails with how it ended and nobody hears both outcomes', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    for (let i = 0; i < ROUNDS; i++) {
      const id = await invite(alice, { userID: bob.userID, timeout: 0 });
      await bob.rec.waitSig(NEW, id);
      const results = await settle<unknown>([alice.chat.cancel({ inviteID: id }), bob.chat.reject({ inviteID: id })]);
      const w = oneWinner(results);
      if (w === 1) {
        expect(failure(results[0]!)).toEqual({ code: 8020, reason: 'rejected' });
        await alice.rec.waitSig(REJECTED, id);
        await bob.rec.expectNoSig(CANCELLED, id);
      } else {
        expect(failure(results[1]!)).toEqual({ code: 8010, reason: 'cancelled' });
        await bob.rec.waitSig(CANCELLED, id);
        await alice.rec.expectNoSig(REJECTED, id);
      }
    }
  });
});

describe('two devices of the invitee', () => {
  it('both ring, and when they accept at once exactly one wins; the other fails 8010 accepted and hears the winner', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const b1 = await h().client(bobID, { label: 'bob#1' });
    const b2 = await h().client(bobID, { label: 'bob#2' });
    for (let i = 0; i < ROUNDS; i++) {
      const id = await invite(alice, { userID: bobID, timeout: 0 });
      await b1.rec.waitSig(NEW, id);
      await b2.rec.waitSig(NEW, id);
      const results = await settle<unknown>([b1.chat.accept({ inviteID: id }), b2.chat.accept({ inviteID: id })]);
      const w = oneWinner(results);
      const [winner, loser] = w === 0 ? [b1, b2] : [b2, b1];
      expect(failure(results[1 - w]!)).toEqual({ code: 8010, reason: 'accepted' });
      const heard = await loser.rec.waitSig(ACCEPTED, id);
      expect(heard.invitee).toBe(bobID);
      await alice.rec.waitSig(ACCEPTED, id);
      await winner.rec.expectNoSig(ACCEPTED, id);
      expect(alice.rec.sig(ACCEPTED, id)).toHaveLength(1);
      expect(loser.rec.sig(ACCEPTED, id)).toHaveLength(1);
    }
  });

  it('one device accepting stops the other ringing: it hears INVITEE_ACCEPTED with invitee = its own user, and its accept fails', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const a = await h().client(bobID, { label: 'bob#A' });
    const b = await h().client(bobID, { label: 'bob#B' });
    const id = await invite(alice, { userID: bobID, timeout: 0 });
    await a.rec.waitSig(NEW, id);
    await b.rec.waitSig(NEW, id);
    expectOk(await a.chat.accept({ inviteID: id, data: 'picked up on A' }), id);
    const ev = await b.rec.waitSig(ACCEPTED, id);
    expect(ev).toMatchObject({ inviteID: id, inviter: alice.userID, invitee: bobID, data: 'picked up on A' });
    await expectError(() => b.chat.accept({ inviteID: id }), 8010, 'accepted');
    await expectError(() => b.chat.reject({ inviteID: id }), 8010, 'accepted');
    await a.rec.expectNoSig(ACCEPTED, id);
  });

  it('one device rejecting is heard by the other as INVITEE_REJECTED with invitee = its own user', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const a = await h().client(bobID, { label: 'bob#A' });
    const b = await h().client(bobID, { label: 'bob#B' });
    const id = await invite(alice, { userID: bobID, timeout: 0 });
    await b.rec.waitSig(NEW, id);
    await a.chat.reject({ inviteID: id });
    expect((await b.rec.waitSig(REJECTED, id)).invitee).toBe(bobID);
    await expectError(() => b.chat.accept({ inviteID: id }), 8010, 'rejected');
    await a.rec.expectNoSig(REJECTED, id);
  });

  it('accept on one device crossing reject on the other: exactly one wins and the loser fails with the winner\'s outcome', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const a = await h().client(bobID, { label: 'bob#A' });
    const b = await h().client(bobID, { label: 'bob#B' });
    for (let i = 0; i < ROUNDS; i++) {
      const id = await invite(alice, { userID: bobID, timeout: 0 });
      await a.rec.waitSig(NEW, id);
      await b.rec.waitSig(NEW, id);
      const results = await settle<unknown>([a.chat.accept({ inviteID: id }), b.chat.reject({ inviteID: id })]);
      const w = oneWinner(results);
      expect(failure(results[1 - w]!)).toEqual({ code: 8010, reason: w === 0 ? 'accepted' : 'rejected' });
      await alice.rec.waitSig(w === 0 ? ACCEPTED : REJECTED, id);
      await alice.rec.expectNoSig(w === 0 ? REJECTED : ACCEPTED, id);
    }
  });
});

describe('the sessions of the inviter', () => {
  it('never ring for their own invitation but see it in getPendingInvitations, and hear the other session\'s cancel', async () => {
    const aliceID = await h().user('alice');
    const a1 = await h().client(aliceID, { label: 'alice#1' });
    const a2 = await h().client(aliceID, { label: 'alice#2' });
    const bob = await h().online('bob');
    const id = await invite(a1, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await a2.rec.expectNoSig(NEW, id);
    await a1.rec.expectNoSig(NEW, id);
    expect(await pendingIDs(a2)).toContain(id);
    await a1.chat.cancel({ inviteID: id, data: 'from a1' });
    expect((await a2.rec.waitSig(CANCELLED, id)).data).toBe('from a1');
    await bob.rec.waitSig(CANCELLED, id);
    await a1.rec.expectNoSig(CANCELLED, id);
  });

  it('may cancel from any session of the inviting user; the session that invited hears the cancel', async () => {
    const aliceID = await h().user('alice');
    const a1 = await h().client(aliceID, { label: 'alice#1' });
    const a2 = await h().client(aliceID, { label: 'alice#2' });
    const bob = await h().online('bob');
    const id = await invite(a1, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    expectOk(await a2.chat.cancel({ inviteID: id }), id);
    await a1.rec.waitSig(CANCELLED, id);
    await bob.rec.waitSig(CANCELLED, id);
    await a2.rec.expectNoSig(CANCELLED, id);
  });

  it('all hear the invitee\'s answer', async () => {
    const aliceID = await h().user('alice');
    const a1 = await h().client(aliceID, { label: 'alice#1' });
    const a2 = await h().client(aliceID, { label: 'alice#2' });
    const bob = await h().online('bob');
    const id = await invite(a1, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await bob.chat.accept({ inviteID: id });
    await a1.rec.waitSig(ACCEPTED, id);
    await a2.rec.waitSig(ACCEPTED, id);
    // the other session of the inviter may cancel-attempt too: it is the inviter, but nothing is pending
    await expectError(() => a2.chat.cancel({ inviteID: id }), 8020, 'accepted');
  });
});

describe('many invitations in flight between the same users', () => {
  it('keeps each one separate: distinct IDs, one ring each, the right answer for each', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const N = 10;
    const ids = await Promise.all(
      Array.from({ length: N }, (_, i) => invite(alice, { userID: bob.userID, data: `call ${i}`, timeout: 0 })),
    );
    expect(new Set(ids).size).toBe(N);
    for (const [i, id] of ids.entries()) expect((await bob.rec.waitSig(NEW, id)).data).toBe(`call ${i}`);
    const answers = await Promise.all(
      ids.map((id, i) => (i % 2 === 0 ? bob.chat.accept({ inviteID: id, data: `a${i}` }) : bob.chat.reject({ inviteID: id, data: `r${i}` }))),
    );
    answers.forEach((r, i) => expectOk(r, ids[i]));
    for (const [i, id] of ids.entries()) {
      const ev = await alice.rec.waitSig(i % 2 === 0 ? ACCEPTED : REJECTED, id);
      expect(ev.data).toBe(i % 2 === 0 ? `a${i}` : `r${i}`);
    }
    await bob.rec.barrier();
    await alice.rec.barrier();
    for (const id of ids) {
      expect(bob.rec.sig(NEW, id)).toHaveLength(1);
      expect(alice.rec.about(id)).toHaveLength(1);
    }
    expect((await pendingIDs(alice)).filter((x) => ids.includes(x))).toEqual([]);
  });
});

describe('answers committed at once', () => {
  it('reach the caller, every one of them, round after round', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const N = 10;
    for (let round = 0; round < 2 * ROUNDS; round++) {
      const ids: string[] = [];
      for (let i = 0; i < N; i++) ids.push(await invite(alice, { userID: bob.userID, timeout: 0 }));
      for (const id of ids) await bob.rec.waitSig(NEW, id);
      const answers = await Promise.all(ids.map((id, i) => (i % 2 === 0 ? bob.chat.accept({ inviteID: id }) : bob.chat.reject({ inviteID: id }))));
      answers.forEach((r, i) => expectOk(r, ids[i]));
      for (const [i, id] of ids.entries()) await alice.rec.waitSig(i % 2 === 0 ? ACCEPTED : REJECTED, id);
    }
  });
});

describe('an invite crossing the invitee\'s login', () => {
  it('rings the logging-in session exactly once, whichever commits first', async () => {
    const alice = await h().online('alice');
    for (let i = 0; i < ROUNDS; i++) {
      const bobID = await h().user('bob');
      const bob = await h().client(bobID, { login: false });
      const [id] = await Promise.all([invite(alice, { userID: bobID, timeout: 0 }), bob.login()]);
      await bob.rec.waitSig(NEW, id!);
      await bob.rec.barrier();
      expect(bob.rec.sig(NEW, id!), `round ${i}`).toHaveLength(1);
    }
  });
});

describe('the order of events of one invitation', () => {
  it('is the commit order for every session, even when cancel follows invite immediately', async () => {
    const alice = await h().online('alice');
    const bobID = await h().user('bob');
    const b1 = await h().client(bobID, { label: 'bob#1' });
    const b2 = await h().client(bobID, { label: 'bob#2' });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = await invite(alice, { userID: bobID, timeout: 0 });
      await alice.chat.cancel({ inviteID: id });
      ids.push(id);
    }
    for (const c of [b1, b2]) {
      for (const id of ids) await c.rec.waitSig(CANCELLED, id);
    }
    for (const c of [b1, b2]) {
      await c.rec.barrier();
      for (const id of ids) expect(c.rec.about(id).map((e) => e.name), c.rec.label).toEqual([NEW, CANCELLED]);
    }
  });
});

describe('two users inviting each other at once', () => {
  it('creates two independent invitations; each rings only the other side', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const [ab, ba] = await Promise.all([
      invite(alice, { userID: bob.userID, timeout: 0 }),
      invite(bob, { userID: alice.userID, timeout: 0 }),
    ]);
    expect(ab).not.toBe(ba);
    expect((await bob.rec.waitSig(NEW, ab)).inviter).toBe(alice.userID);
    expect((await alice.rec.waitSig(NEW, ba)).inviter).toBe(bob.userID);
    await alice.rec.expectNoSig(NEW, ab);
    await bob.rec.expectNoSig(NEW, ba);
    expect((await pendingIDs(alice)).sort()).toEqual([ab, ba].sort());
    expect((await pendingIDs(bob)).sort()).toEqual([ab, ba].sort());
    const [r1, r2] = await Promise.all([alice.chat.accept({ inviteID: ba }), bob.chat.accept({ inviteID: ab })]);
    expectOk(r1, ba);
    expectOk(r2, ab);
    await alice.rec.waitSig(ACCEPTED, ab);
    await bob.rec.waitSig(ACCEPTED, ba);
  });
});

describe('a group invitation with several invitees answering at once', () => {
  it('lets every invitee answer its own part; when none is pending, cancel fails 8020', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const groupID = await makeGroup(alice, [bob.userID, carol.userID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID, carol.userID], timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await carol.rec.waitSig(NEW, id);
    const [rb, rc] = await Promise.all([bob.chat.accept({ inviteID: id }), carol.chat.accept({ inviteID: id })]);
    expectOk(rb, id);
    expectOk(rc, id);
    await alice.rec.waitFor((e) => e.name === ACCEPTED && e.data.inviteID === id && e.data.invitee === bob.userID);
    await alice.rec.waitFor((e) => e.name === ACCEPTED && e.data.inviteID === id && e.data.invitee === carol.userID);
    // contract reading: with every part accepted, the 8020 reason is 'accepted'.
    await expectError(() => alice.chat.cancel({ inviteID: id }), 8020, 'accepted');
  });

  it('a cancel crossing the last invitee\'s accept: exactly one wins', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = await makeGroup(alice, [bob.userID]);
    for (let i = 0; i < ROUNDS; i++) {
      const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID], timeout: 0 });
      await bob.rec.waitSig(NEW, id);
      const results = await settle<unknown>([bob.chat.accept({ inviteID: id }), alice.chat.cancel({ inviteID: id })]);
      const w = oneWinner(results);
      expect(failure(results[1 - w]!)).toEqual(w === 0 ? { code: 8020, reason: 'accepted' } : { code: 8010, reason: 'cancelled' });
    }
  });
});

