/**
 * API.md › Presence (Ringlet additions with Tencent's names): getUserStatus,
 * subscribeUserStatus, unsubscribeUserStatus, setSelfStatus and USER_STATUS_UPDATED, rule
 * by rule: who may see a status (contacts of the user and people sharing a group with
 * them; never a stranger or a blocked user, who get USER_STATUS_UNKNOWN as for nobody),
 * who hears a change, the limits and errors, and that presence leaves no history.
 */
import { describe, expect, it } from 'vitest';
import { expectError, uid, useHarness, type Client } from './helpers.ts';

const h = useHarness();

/* eslint-disable @typescript-eslint/no-explicit-any */
const UNKNOWN = 0;
const ONLINE = 1;
const OFFLINE = 2;
const UPDATED = 'onUserStatusUpdated';

/** The statuses a client hears, and a wait for one. */
function listen(c: Client) {
  const heard: any[] = [];
  const waiters: Array<() => void> = [];
  c.chat.on(UPDATED, (e: any) => {
    expect(e.name).toBe(UPDATED);
    heard.push(...e.data);
    for (const w of waiters.splice(0)) w();
  });
  return {
    heard,
    until(userID: string, statusType: number, customStatus?: string, from = 0): Promise<void> {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${statusType}/${customStatus} for ${userID}; heard ${JSON.stringify(heard.slice(from))}`)), 8000);
        const check = () => {
          if (heard.slice(from).some((s) => s.userID === userID && s.statusType === statusType && (customStatus === undefined || s.customStatus === customStatus))) {
            clearTimeout(t);
            resolve();
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

const chat = (c: Client) => c.chat as any;
const statusOf = async (viewer: Client, userID: string) => {
  const res = await chat(viewer).getUserStatus({ userIDList: [userID] });
  expect(res.code).toBe(0);
  expect(res.data.failureUserList).toEqual([]);
  return res.data.successUserList[0];
};

describe('getUserStatus', () => {
  it('answers ONLINE/OFFLINE to a contact of the user and to someone sharing a group; UNKNOWN to a stranger and for nobody', async () => {
    const bob = await h().online('bob');
    const contact = await h().online('contact');
    const member = await h().online('member');
    const stranger = await h().online('stranger');
    await chat(bob).addContact({ userID: contact.userID });
    await h().acquaint(bob.userID, [member.userID]);
    await chat(bob).createGroup({ name: 'g', memberList: [member.userID] });
    expect(await statusOf(contact, bob.userID)).toEqual({ userID: bob.userID, statusType: ONLINE, customStatus: '' });
    expect(await statusOf(member, bob.userID)).toEqual({ userID: bob.userID, statusType: ONLINE, customStatus: '' });
    expect(await statusOf(stranger, bob.userID)).toEqual({ userID: bob.userID, statusType: UNKNOWN, customStatus: '' });
    const nobody = uid('nobody');
    expect(await statusOf(stranger, nobody)).toEqual({ userID: nobody, statusType: UNKNOWN, customStatus: '' });
    // Adding someone as my contact does not show me their status: they must know me.
    await chat(stranger).addContact({ userID: bob.userID });
    expect((await statusOf(stranger, bob.userID)).statusType).toBe(UNKNOWN);
    await chat(bob).logout();
    expect(await statusOf(contact, bob.userID)).toEqual({ userID: bob.userID, statusType: OFFLINE, customStatus: '' });
  });

  it('a blocked user gets UNKNOWN even from a group they share; the user sees their own status', async () => {
    const bob = await h().online('bob');
    const mallory = await h().online('mallory');
    await h().acquaint(bob.userID, [mallory.userID]);
    await chat(bob).createGroup({ name: 'g', memberList: [mallory.userID] });
    expect((await statusOf(mallory, bob.userID)).statusType).toBe(ONLINE);
    await chat(bob).addToBlacklist({ userIDList: [mallory.userID] });
    expect((await statusOf(mallory, bob.userID)).statusType).toBe(UNKNOWN);
    expect((await statusOf(bob, bob.userID)).statusType).toBe(ONLINE);
  });

  it('8001: an empty list, more than 500 IDs, a malformed ID', async () => {
    const c = await h().online('c');
    await expectError(() => chat(c).getUserStatus({ userIDList: [] }), 8001, 'userIDList');
    await expectError(() => chat(c).getUserStatus({ userIDList: Array.from({ length: 501 }, (_, i) => `u${i}`) }), 8001, 'userIDList');
    await expectError(() => chat(c).getUserStatus({ userIDList: ['has space'] }), 8001, 'userIDList');
  });
});

describe('subscribeUserStatus / USER_STATUS_UPDATED / unsubscribeUserStatus', () => {
  it('a subscriber who may see the user hears login, logout and custom statuses; a stranger subscribed hears nothing at all', async () => {
    const bobID = uid('bob');
    let bob = await h().client(bobID);
    const friend = await h().online('friend');
    const stranger = await h().online('stranger');
    await chat(bob).addContact({ userID: friend.userID });
    const f = listen(friend);
    const s = listen(stranger);
    expect((await chat(friend).subscribeUserStatus({ userIDList: [bobID] })).data).toEqual({ failureUserList: [] });
    await chat(stranger).subscribeUserStatus({ userIDList: [bobID] });
    await chat(bob).setSelfStatus({ customStatus: 'in_call' });
    await f.until(bobID, ONLINE, 'in_call');
    await chat(bob).logout();
    await f.until(bobID, OFFLINE, '');
    bob = await h().client(bobID);
    await f.until(bobID, ONLINE, '');
    await stranger.rec.barrier();
    // Not even an UNKNOWN at the moment of a change: that would time bob's logins.
    expect(s.heard.filter((x) => x.userID === bobID)).toEqual([]);
    void bob;
  });

  it('unsubscribing (some, or all without a list) stops the events', async () => {
    const bob = await h().online('bob');
    const friend = await h().online('friend');
    await chat(bob).addContact({ userID: friend.userID });
    const f = listen(friend);
    await chat(friend).subscribeUserStatus({ userIDList: [bob.userID] });
    await chat(bob).setSelfStatus({ customStatus: 'a' });
    await f.until(bob.userID, ONLINE, 'a');
    expect((await chat(friend).unsubscribeUserStatus()).data).toEqual({ failureUserList: [] });
    const from = f.heard.length;
    await chat(bob).setSelfStatus({ customStatus: 'b' });
    // bob's own session hears its change after the subscriber would have (one fan-out): then nothing came to friend.
    const own = listen(bob);
    await chat(bob).setSelfStatus({ customStatus: 'c' });
    await own.until(bob.userID, ONLINE, 'c');
    await friend.rec.barrier();
    expect(f.heard.slice(from)).toEqual([]);
  });

  it('at most 1,000 subscriptions per session: 8040 status_subscriptions; 8001 above 100 IDs per request', async () => {
    const c = await h().online('c');
    for (let i = 0; i < 10; i++) await chat(c).subscribeUserStatus({ userIDList: Array.from({ length: 100 }, (_, j) => `x${i}_${j}`) });
    await expectError(() => chat(c).subscribeUserStatus({ userIDList: ['one_more'] }), 8040, 'status_subscriptions');
    await chat(c).subscribeUserStatus({ userIDList: ['x0_0'] });
    await chat(c).unsubscribeUserStatus({ userIDList: ['x0_0'] });
    await chat(c).subscribeUserStatus({ userIDList: ['one_more'] });
    await expectError(() => chat(c).subscribeUserStatus({ userIDList: Array.from({ length: 101 }, (_, i) => `u${i}`) }), 8001, 'userIDList');
  });
});

describe('setSelfStatus', () => {
  it('resolves with my status, my other sessions hear it, it is cleared when my last session ends, and it leaves no history', async () => {
    const meID = uid('me');
    const a = await h().client(meID);
    const b = await h().client(meID);
    const hb = listen(b);
    const res = await chat(a).setSelfStatus({ customStatus: 'dnd' });
    expect(res).toEqual({ code: 0, data: { userID: meID, statusType: ONLINE, customStatus: 'dnd' } });
    await hb.until(meID, ONLINE, 'dnd');
    await chat(a).logout();
    expect((await statusOf(b, meID)).customStatus).toBe('dnd');
    await chat(b).logout();
    const again = await h().client(meID);
    expect(await statusOf(again, meID)).toEqual({ userID: meID, statusType: ONLINE, customStatus: '' });
    expect((await chat(again).getConversationList()).data.conversationList).toEqual([]);
  });

  it('8001 for more than 100 characters; 8040 status_rate past the burst', async () => {
    const c = await h().online('c');
    await expectError(() => chat(c).setSelfStatus({ customStatus: 'x'.repeat(101) }), 8001, 'customStatus');
    const answers: string[] = [];
    for (let i = 0; i < 15; i++) answers.push(await chat(c).setSelfStatus({ customStatus: `s${i}` }).then(() => 'ok', (e: any) => `${e.code}:${e.reason}`));
    expect(answers).toContain('8040:status_rate');
  });
});
