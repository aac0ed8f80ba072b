/**
 * Rule 8: every action is a TIMCustomElem whose payload.data is the TSignaling JSON, stored in
 * 'C2C' + peer or 'GROUP' + groupID, counted as unread for its recipients; paging.
 */
import { describe, expect, it } from 'vitest';
import {
  ACCEPTED,
  history,
  invite,
  inviteInGroup,
  makeGroup,
  NEW,
  REJECTED,
  signal,
  signalsOf,
  unread,
  useHarness,
} from './helpers.ts';

const h = useHarness();

const KEYS = ['businessID', 'data', 'groupID', 'inviteID', 'inviteeList', 'inviter', 'actionType', 'timeout'].sort();

describe('1:1 history', () => {
  it('stores invite (1) and accept (3) as TIMCustomElem messages with the TSignaling JSON in both C2C conversations', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const id = await invite(alice, { userID: bob.userID, data: '{"roomID":42}', timeout: 30 });
    await bob.rec.waitSig(NEW, id);
    await bob.chat.accept({ inviteID: id, data: 'yes' });
    await alice.rec.waitSig(ACCEPTED, id);

    for (const [c, conv, peer] of [
      [alice, 'C2C' + bob.userID, bob.userID],
      [bob, 'C2C' + alice.userID, alice.userID],
    ] as const) {
      const msgs = (await history(c, conv)).filter((m) => signal(m)?.inviteID === id);
      expect(msgs, `${c.userID}'s ${conv}`).toHaveLength(2);
      for (const m of msgs) {
        expect(m.type).toBe('TIMCustomElem');
        expect(m.conversationID).toBe(conv);
        expect(typeof m.ID).toBe('string');
        expect(Number.isInteger(m.time)).toBe(true);
        // time in seconds, server clock: a plausible epoch-seconds value, not milliseconds
        expect(m.time).toBeGreaterThan(1_600_000_000);
        expect(m.time).toBeLessThan(10_000_000_000);
        expect(typeof m.payload.data).toBe('string');
        expect([m.from, m.to].sort()).toEqual([c.userID, peer].sort());
      }
      const [inv, acc] = msgs.map(signal);
      expect(Object.keys(inv).sort()).toEqual(KEYS);
      expect(inv).toMatchObject({
        businessID: 1,
        inviteID: id,
        inviter: alice.userID,
        actionType: 1,
        inviteeList: [bob.userID],
        data: '{"roomID":42}',
        timeout: 30,
        groupID: '',
      });
      expect(msgs[0].from).toBe(alice.userID);
      expect(acc).toMatchObject({ businessID: 1, inviteID: id, inviter: alice.userID, actionType: 3, data: 'yes' });
      expect(msgs[1].from).toBe(bob.userID);
    }
  });

  it('stores reject as 4 and cancel as 2, each from the actor', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const r = await invite(alice, { userID: bob.userID, timeout: 0 });
    const c = await invite(alice, { userID: bob.userID, timeout: 0 });
    await bob.rec.waitSig(NEW, c);
    await bob.chat.reject({ inviteID: r, data: 'no' });
    await alice.chat.cancel({ inviteID: c, data: 'bye' });
    await alice.rec.waitSig(REJECTED, r);
    const all = (await history(bob, 'C2C' + alice.userID)).filter((m) => [r, c].includes(signal(m)?.inviteID));
    expect(all.map((m) => [signal(m).inviteID, signal(m).actionType, m.from, signal(m).data])).toEqual([
      [r, 1, alice.userID, ''],
      [c, 1, alice.userID, ''],
      [r, 4, bob.userID, 'no'],
      [c, 2, alice.userID, 'bye'],
    ]);
  });

  it('counts unread for the recipients only, and setMessageRead clears it', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const convB = 'C2C' + alice.userID;
    const convA = 'C2C' + bob.userID;
    const i1 = await invite(alice, { userID: bob.userID, timeout: 0 });
    const i2 = await invite(alice, { userID: bob.userID, timeout: 0 });
    await alice.chat.cancel({ inviteID: i1 });
    await bob.rec.waitSig(NEW, i2);
    expect(await unread(bob, convB)).toBe(3);
    expect(await unread(alice, convA)).toBe(0);
    await bob.chat.accept({ inviteID: i2 });
    await alice.rec.waitSig(ACCEPTED, i2);
    expect(await unread(alice, convA)).toBe(1);
    expect(await unread(bob, convB)).toBe(3);
    const list = await bob.chat.getConversationList();
    const conv = list.data.conversationList.find((x: { conversationID: string }) => x.conversationID === convB);
    expect(signal(conv.lastMessage)).toMatchObject({ inviteID: i2, actionType: 3 });
    expect((await bob.chat.setMessageRead({ conversationID: convB })).code).toBe(0);
    expect(await unread(bob, convB)).toBe(0);
    expect(await unread(alice, convA)).toBe(1);
  });

  it('pages with nextReqMessageID: newest page first, oldest-first within a page, isCompleted on the last', async () => {
    const alice = await h().online('alice');
    const bob = await h().user('bob');
    const expected: string[] = [];
    for (let i = 0; i < 10; i++) {
      const id = await invite(alice, { userID: bob, data: `i${i}`, timeout: 0 });
      await alice.chat.cancel({ inviteID: id, data: `c${i}` });
      expected.push(`i${i}`, `c${i}`);
    }
    const conv = 'C2C' + bob;
    const first = await alice.chat.getMessageList({ conversationID: conv });
    expect(first.code).toBe(0);
    expect(first.data.messageList).toHaveLength(15); // default count
    expect(first.data.isCompleted).toBe(false);
    expect(first.data.messageList.map((m: unknown) => signal(m).data)).toEqual(expected.slice(5));
    const second = await alice.chat.getMessageList({ conversationID: conv, nextReqMessageID: first.data.nextReqMessageID });
    expect(second.data.messageList.map((m: unknown) => signal(m).data)).toEqual(expected.slice(0, 5));
    expect(second.data.isCompleted).toBe(true);

    const small = await alice.chat.getMessageList({ conversationID: conv, count: 4 });
    expect(small.data.messageList.map((m: unknown) => signal(m).data)).toEqual(expected.slice(16));
    expect(small.data.isCompleted).toBe(false);
    const small2 = await alice.chat.getMessageList({ conversationID: conv, count: 4, nextReqMessageID: small.data.nextReqMessageID });
    expect(small2.data.messageList.map((m: unknown) => signal(m).data)).toEqual(expected.slice(12, 16));
    const ids = [...small2.data.messageList, ...small.data.messageList].map((m: { ID: string }) => m.ID);
    expect(new Set(ids).size).toBe(8);
    const times = (await history(alice, conv)).map((m) => m.time);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });
});

describe('group history', () => {
  it("stores every action in 'GROUP' + groupID, visible to every member and unread for all but the actor", async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const carol = await h().online('carol');
    const dave = await h().online('dave'); // member, not invited
    const groupID = await makeGroup(alice, [bob.userID, carol.userID, dave.userID]);
    const conv = 'GROUP' + groupID;
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID, carol.userID], data: 'meet', timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    await carol.rec.waitSig(NEW, id);
    await bob.chat.accept({ inviteID: id });
    await carol.chat.reject({ inviteID: id });
    await alice.rec.waitSig(REJECTED, id);
    for (const c of [alice, bob, carol, dave]) {
      const sigs = await signalsOf(c, conv, id);
      expect(sigs.map((s) => s.actionType), c.userID).toEqual([1, 3, 4]);
      expect(sigs[0]).toMatchObject({ groupID, inviter: alice.userID, data: 'meet' });
      expect([...sigs[0].inviteeList].sort()).toEqual([bob.userID, carol.userID].sort());
      const msgs = (await history(c, conv)).filter((m) => signal(m)?.inviteID === id);
      for (const m of msgs) expect(m.conversationID).toBe(conv);
    }
    // each member has as unread the messages it did not send
    expect(await unread(alice, conv)).toBe(2);
    expect(await unread(bob, conv)).toBe(2);
    expect(await unread(carol, conv)).toBe(2);
    expect(await unread(dave, conv)).toBe(3);
    await dave.chat.setMessageRead({ conversationID: conv });
    expect(await unread(dave, conv)).toBe(0);
    expect(await unread(bob, conv)).toBe(2);
  });

  it('does not put a group invitation in any C2C conversation', async () => {
    const alice = await h().online('alice');
    const bob = await h().online('bob');
    const groupID = await makeGroup(alice, [bob.userID]);
    const id = await inviteInGroup(alice, { groupID, inviteeList: [bob.userID], timeout: 0 });
    await bob.rec.waitSig(NEW, id);
    const c2c = await bob.chat.getMessageList({ conversationID: 'C2C' + alice.userID });
    const list = c2c.code === 0 ? c2c.data.messageList : [];
    expect(list.filter((m: unknown) => signal(m)?.inviteID === id)).toEqual([]);
  });
});
