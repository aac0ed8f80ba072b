/**
 * Issue 8, item 4 (group membership is the only key to a group) and item 5's group list:
 * each attack from the report, replayed against the real server. Runs on SQLite and, with
 * `--project integration-postgres`, on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/protocol/limits.ts';
import { EVENT, type Chat, type Group, type Message } from '../../src/sdk/index.ts';
import { startTcpProxy } from '../support/tcp-proxy.ts';
import { connectClient, rawSocket, startHarness, startProxy, type Client, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  // The member-cap tests send lists of 1,000 back to back (1,001 + 1,000 tokens): a burst of
  // 2,000 would make them depend on how long the first took. The cost model has its own tests.
  h = await startHarness({ groupConsent: false, limits: { requestCost: { perSecond: 200, burst: 5000 } } });
});
afterAll(() => h.close());

let counter = 0;
const uid = (base: string) => `${base}${++counter}_${Math.random().toString(36).slice(2, 7)}`;

/** A logged-in client that also records the IM events it hears. */
async function member(base: string): Promise<Client & { messages: Message[]; lists: Group[][] }> {
  const c = await h.client(uid(base));
  const messages: Message[] = [];
  const lists: Group[][] = [];
  c.chat.on(EVENT.MESSAGE_RECEIVED, (e) => messages.push(...(e.data as Message[])));
  c.chat.on(EVENT.GROUP_LIST_UPDATED, (e) => lists.push(e.data as Group[]));
  return Object.assign(c, { messages, lists });
}

/** The error a call rejects with (fails the test if it resolves). */
async function failure(p: Promise<unknown>): Promise<{ code: number; reason: string; userIDList?: string[] }> {
  try {
    await p;
  } catch (err) {
    return err as { code: number; reason: string; userIDList?: string[] };
  }
  throw new Error('the call succeeded; it must fail');
}

const text = (chat: Chat, groupID: string, data: string) => chat.sendMessage({ conversationID: `GROUP${groupID}`, payload: { data } });

async function historyOf(chat: Chat, conversationID: string): Promise<string[]> {
  const out: string[] = [];
  let next: string | undefined;
  for (;;) {
    const page = await chat.getMessageList({ conversationID, count: 100, ...(next ? { nextReqMessageID: next } : {}) });
    out.unshift(...page.data.messageList.map((m) => m.payload.data));
    if (page.data.isCompleted) return out;
    next = page.data.nextReqMessageID;
  }
}

/** Waits until `c` heard a message whose data is `data` (a barrier that orders what came before). */
function heard(c: { messages: Message[] }, data: string): Promise<void> {
  return until(() => c.messages.some((m) => m.payload.data === data));
}

/** `n` users that exist on the server (the member-cap tests need a thousand). */
async function users(n: number, base: string): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${base}_${i}_${++counter}`);
  for (const id of ids) await h.server.userSig(id, 600);
  return ids;
}

describe('a removed or departed member loses the group', () => {
  it('removed member cannot read new messages, post, or hear new group events', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const carol = await member('carol');
    const groupID = (await alice.chat.createGroup({ name: 'team', groupID: uid('g'), memberList: [bob.userID, carol.userID] })).data.group.groupID;
    await text(alice.chat, groupID, 'before');
    await heard(bob, 'before');
    await alice.chat.deleteGroupMember({ groupID, userIDList: [bob.userID] });

    await text(alice.chat, groupID, 'after');
    const invite = await alice.chat.inviteInGroup({ groupID, inviteeList: [carol.userID], timeout: 0 });
    // Barrier: a 1:1 message sent after both; bob hears it, so anything for him came first.
    await alice.chat.sendMessage({ conversationID: `C2C${bob.userID}`, payload: { data: 'barrier' } });
    await heard(bob, 'barrier');
    expect(bob.messages.map((m) => m.payload.data)).not.toContain('after');
    expect(bob.events.filter((e) => e.data?.inviteID === invite.inviteID)).toEqual([]);

    const post = await failure(text(bob.chat, groupID, 'intruder'));
    expect([post.code, post.reason]).toEqual([8004, 'not_group_member']);
    expect(await historyOf(alice.chat, `GROUP${groupID}`)).not.toContain('intruder');
    expect(await historyOf(bob.chat, `GROUP${groupID}`)).not.toContain('after');
  });

  it('a member who quits cannot post and hears nothing new', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const groupID = (await alice.chat.createGroup({ name: 'team', groupID: uid('g'), memberList: [bob.userID] })).data.group.groupID;
    await bob.chat.quitGroup(groupID);
    await text(alice.chat, groupID, 'after-quit');
    await alice.chat.sendMessage({ conversationID: `C2C${bob.userID}`, payload: { data: 'barrier' } });
    await heard(bob, 'barrier');
    expect(bob.messages.map((m) => m.payload.data)).not.toContain('after-quit');
    expect((await failure(text(bob.chat, groupID, 'x'))).code).toBe(8004);
    expect((await failure(bob.chat.getGroupMemberList({ groupID }))).code).toBe(8004);
  });

  it('former member reads history only up to leaving, on every page, and again all of it once re-added', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const groupID = (await alice.chat.createGroup({ name: 'team', groupID: uid('g'), memberList: [bob.userID] })).data.group.groupID;
    for (let i = 0; i < 5; i++) await text(alice.chat, groupID, `old${i}`);
    await alice.chat.deleteGroupMember({ groupID, userIDList: [bob.userID] });
    for (let i = 0; i < 5; i++) await text(alice.chat, groupID, `new${i}`);

    const conv = `GROUP${groupID}`;
    expect(await historyOf(bob.chat, conv)).toEqual(['old0', 'old1', 'old2', 'old3', 'old4']);
    // Asking for pages before an ID past the bound reveals nothing newer either.
    const all = await alice.chat.getMessageList({ conversationID: conv, count: 100 });
    const newest = all.data.messageList.at(-1)!;
    const probe = await bob.chat.getMessageList({ conversationID: conv, count: 100, nextReqMessageID: String(Number(newest.ID) + 1) });
    expect(probe.data.messageList.map((m) => m.payload.data)).toEqual(['old0', 'old1', 'old2', 'old3', 'old4']);
    const mine = (await bob.chat.getConversationList()).data.conversationList.find((c) => c.conversationID === conv);
    expect(mine?.lastMessage?.payload.data).toBe('old4');

    await alice.chat.addGroupMember({ groupID, userIDList: [bob.userID] });
    expect(await historyOf(bob.chat, conv)).toEqual(['old0', 'old1', 'old2', 'old3', 'old4', 'new0', 'new1', 'new2', 'new3', 'new4']);
  });

  it('a stranger who never was a member reads nothing (8004)', async () => {
    const alice = await member('alice');
    const mallory = await member('mallory');
    const groupID = (await alice.chat.createGroup({ name: 'open', groupID: uid('g') })).data.group.groupID;
    await text(alice.chat, groupID, 'secret');
    const err = await failure(mallory.chat.getMessageList({ conversationID: `GROUP${groupID}` }));
    expect([err.code, err.reason, err.userIDList]).toEqual([8004, 'not_group_member', [mallory.userID]]);
  });
});

describe('a dismissed group stays gone', () => {
  it('dismissed ID not reusable (8031) and old history unreadable through a new group', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const mallory = await member('mallory');
    const groupID = (await alice.chat.createGroup({ name: 'team', groupID: uid('g'), memberList: [bob.userID] })).data.group.groupID;
    await text(alice.chat, groupID, 'private talk');
    await alice.chat.dismissGroup(groupID);

    for (const c of [mallory, alice, bob]) {
      const err = await failure(c.chat.createGroup({ name: 'again', groupID }));
      expect([err.code, err.reason]).toEqual([8031, 'group_exists']);
    }
    const read = await failure(mallory.chat.getMessageList({ conversationID: `GROUP${groupID}` }));
    expect([read.code, read.reason]).toEqual([8003, 'group_not_found']);
    expect((await failure(mallory.chat.joinGroup({ groupID }))).code).toBe(8003);
    // Old members keep what they saw, and cannot post into the dead group.
    expect(await historyOf(bob.chat, `GROUP${groupID}`)).toEqual(['private talk']);
    expect((await failure(text(bob.chat, groupID, 'ghost'))).code).toBe(8003);
  });

  it('a group dismissed by its last member quitting is a tombstone too', async () => {
    const alice = await member('alice');
    const groupID = (await alice.chat.createGroup({ name: 'solo', groupID: uid('g') })).data.group.groupID;
    await alice.chat.quitGroup(groupID);
    expect((await failure(alice.chat.createGroup({ name: 'again', groupID }))).code).toBe(8031);
  });
});

describe('private profiles', () => {
  it('private profile refused to non-members, for Private and Work groups; open types stay visible', async () => {
    const alice = await member('alice');
    const mallory = await member('mallory');
    for (const type of ['Private', 'Work'] as const) {
      const groupID = (await alice.chat.createGroup({ name: `${type} room`, type, groupID: uid('g') })).data.group.groupID;
      for (const call of [mallory.chat.getGroupProfile({ groupID }), mallory.chat.getGroupMemberList({ groupID })]) {
        const err = await failure(call);
        expect([err.code, err.reason, err.userIDList], type).toEqual([8004, 'not_group_member', [mallory.userID]]);
      }
      expect((await alice.chat.getGroupProfile({ groupID })).data.group).toMatchObject({ groupID, type });
    }
    for (const type of ['Public', 'Meeting', 'ChatRoom'] as const) {
      const groupID = (await alice.chat.createGroup({ name: `${type} room`, type, groupID: uid('g') })).data.group.groupID;
      expect((await mallory.chat.getGroupProfile({ groupID })).data.group).toMatchObject({ groupID, type });
      expect((await failure(mallory.chat.getGroupMemberList({ groupID }))).code).toBe(8004);
    }
  });
});

describe('the member cap holds on every path', () => {
  const max = LIMITS.maxGroupMembers;
  let pool: string[];
  beforeAll(async () => {
    pool = await users(max + 20, 'm');
  }, 120_000);

  const size = async (c: Client, groupID: string) => (await c.chat.getGroupMemberList({ groupID })).data.memberList.length;

  it('member cap on createGroup: a memberList past the cap fails whole (8040 group_size)', async () => {
    const alice = await member('alice');
    const groupID = uid('g');
    const err = await failure(alice.chat.createGroup({ name: 'huge', groupID, memberList: pool.slice(0, max) }));
    expect([err.code, err.reason]).toEqual([8040, 'group_size']);
    // Nothing was created: the same ID is still free.
    expect((await alice.chat.createGroup({ name: 'huge', groupID, memberList: pool.slice(0, max - 1) })).data.group.groupID).toBe(groupID);
    expect(await size(alice, groupID)).toBe(max);
  });

  it('member cap on addGroupMember and joinGroup: no partial success', async () => {
    const alice = await member('alice');
    const late = await member('late');
    const groupID = (await alice.chat.createGroup({ name: 'big', groupID: uid('g'), memberList: pool.slice(0, max - 2) })).data.group.groupID;
    const err = await failure(alice.chat.addGroupMember({ groupID, userIDList: pool.slice(max - 2, max + 1) }));
    expect([err.code, err.reason]).toEqual([8040, 'group_size']);
    expect(await size(alice, groupID)).toBe(max - 1);
    // Users already in the group do not count against the cap.
    const ok = await alice.chat.addGroupMember({ groupID, userIDList: [pool[0]!, pool[max - 2]!] });
    expect(ok.data.successUserIDList).toEqual([pool[max - 2]]);
    expect(await size(alice, groupID)).toBe(max);
    const join = await failure(late.chat.joinGroup({ groupID }));
    expect([join.code, join.reason]).toEqual([8040, 'group_size']);
    expect(await size(alice, groupID)).toBe(max);
  });

  it('member cap under concurrent adds: two adds that each fit cannot pass it together', async () => {
    const alice = await member('alice');
    const bob = await member('bob');
    const base = pool.slice(0, max - 12);
    const groupID = (await alice.chat.createGroup({ name: 'race', groupID: uid('g'), memberList: [bob.userID, ...base] })).data.group.groupID;
    expect(await size(alice, groupID)).toBe(max - 10);
    const a = pool.slice(max - 12, max - 2);
    const b = pool.slice(max - 2, max + 8);
    const results = await Promise.allSettled([
      alice.chat.addGroupMember({ groupID, userIDList: a }),
      bob.chat.addGroupMember({ groupID, userIDList: b }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(rejected.map((r) => [r.reason.code, r.reason.reason])).toEqual([[8040, 'group_size']]);
    expect(await size(alice, groupID)).toBe(max);
  });
});

describe('groups per user', () => {
  it(`groups-per-user cap (${LIMITS.maxGroupsPerUser}) on create, add and join, also when two groups race for the last place; group list updates are deltas: a victim added to that many groups gets one small frame each`, async () => {
    const cap = LIMITS.maxGroupsPerUser;
    const victim = uid('victim');
    const sig = await h.server.userSig(victim, 600);
    const s = await rawSocket(h.server.url);
    s.ws.send(JSON.stringify({ type: 'login', id: 'l1', userID: victim, userSig: sig }));
    await s.next((f) => f.type === 'synced');
    const bytes: Array<{ type: string; size: number }> = [];
    s.ws.on('message', (raw: Buffer) => {
      const f = JSON.parse(raw.toString()) as { type: string };
      if (f.type === 'groups' || f.type === 'groupDelta') bytes.push({ type: f.type, size: raw.length });
    });

    // Two attackers (each is itself bound by the cap) put the victim into `cap` groups.
    const attackers = [await member('att'), await member('att')];
    for (let i = 0; i < cap - 1; i++) {
      await attackers[i % 2]!.chat.createGroup({ name: `spam ${i}`, groupID: uid('spam'), memberList: [victim] });
    }
    // The last place, asked for twice at once through two different groups: one gets it.
    const race = await Promise.allSettled(attackers.map((a) => a.chat.createGroup({ name: 'race', groupID: uid('spam'), memberList: [victim] })));
    const won = race.filter((r) => r.status === 'fulfilled');
    const lost = race.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost.map((r) => [r.reason.code, r.reason.reason, r.reason.userIDList])).toEqual([[8040, 'groups_per_user', [victim]]]);
    const last = won[0]!.value.data.group.groupID;
    await s.next((f) => f.type === 'groupDelta' && f.group.groupID === last, 20_000);

    // Deltas: one small frame per change, never the whole list.
    expect(bytes.filter((b) => b.type === 'groups')).toEqual([]);
    expect(bytes).toHaveLength(cap);
    for (const b of bytes) expect(b.size).toBeLessThan(512);
    const total = bytes.reduce((n, b) => n + b.size, 0);
    expect(total).toBeLessThan(cap * 512);

    // Past the cap every path fails whole and names the victim.
    const bystander = await member('bystander');
    const c = await failure(attackers[0]!.chat.createGroup({ name: 'one more', groupID: uid('g'), memberList: [bystander.userID, victim] }));
    expect([c.code, c.reason, c.userIDList]).toEqual([8040, 'groups_per_user', [victim]]);
    const open = (await bystander.chat.createGroup({ name: 'open', groupID: uid('g') })).data.group.groupID;
    const other = await member('other');
    const add = await failure(bystander.chat.addGroupMember({ groupID: open, userIDList: [other.userID, victim] }));
    expect([add.code, add.reason, add.userIDList]).toEqual([8040, 'groups_per_user', [victim]]);
    expect((await bystander.chat.getGroupMemberList({ groupID: open })).data.memberList.map((m) => m.userID)).toEqual([bystander.userID]);
    const v = await connectClient(h.server.url, victim, sig);
    try {
      const join = await failure(v.chat.joinGroup({ groupID: open }));
      expect([join.code, join.reason, join.userIDList]).toEqual([8040, 'groups_per_user', [victim]]);
      expect((await failure(v.chat.createGroup({ name: 'mine' }))).reason).toBe('groups_per_user');
      expect((await v.chat.getGroupList()).data.groupList).toHaveLength(cap);
      // Leaving one frees a place.
      await v.chat.quitGroup(last);
      expect((await v.chat.joinGroup({ groupID: open })).data.status).toBe('joined');
    } finally {
      await v.chat.destroy();
      s.ws.close();
    }
  }, 120_000);
});

describe('GROUP_LIST_UPDATED from deltas', () => {
  it('the SDK still emits the whole list, and resyncs after a reconnect', async () => {
    const alice = await member('alice');
    const bobID = uid('bob');
    // bob → cutter (cuts live sockets) → gate (refuses new ones while closed) → server
    const gate = await startTcpProxy([h.server.port]);
    const cutter = await startProxy(gate.port);
    const bob = await connectClient(cutter.url, bobID, await h.server.userSig(bobID, 600));
    const lists: Group[][] = [];
    const states: string[] = [];
    bob.chat.on(EVENT.GROUP_LIST_UPDATED, (e) => lists.push(e.data as Group[]));
    bob.chat.on(EVENT.NET_STATE_CHANGE, (e) => states.push((e.data as { state: string }).state));
    const ids = (l: Group[] | undefined) => (l ?? []).map((g) => g.groupID).sort().join();
    try {
      const g1 = (await alice.chat.createGroup({ name: 'one', groupID: uid('g'), memberList: [bobID] })).data.group.groupID;
      const g2 = (await alice.chat.createGroup({ name: 'two', groupID: uid('g'), memberList: [bobID] })).data.group.groupID;
      await until(() => ids(lists.at(-1)) === [g1, g2].sort().join());
      // An owner change reaches members as an update of that group.
      await alice.chat.quitGroup(g1);
      await until(() => lists.at(-1)?.find((g) => g.groupID === g1)?.ownerID === bobID);
      expect(ids(lists.at(-1))).toBe([g1, g2].sort().join());

      // bob is away while his list changes: the deltas are lost with the socket, the login baseline is not.
      gate.backends = [];
      cutter.drop();
      cutter.resume(); // the cutter only cuts; the gate refuses reconnects while closed
      await until(() => states.includes('disconnected'));
      await alice.chat.deleteGroupMember({ groupID: g2, userIDList: [bobID] });
      const g3 = (await alice.chat.createGroup({ name: 'three', groupID: uid('g'), memberList: [bobID] })).data.group.groupID;
      const heardWhileAway = lists.length;
      gate.backends = [h.server.port];
      await until(() => ids(lists.at(-1)) === [g1, g3].sort().join());
      expect(lists.length).toBe(heardWhileAway + 1);
      expect(ids((await bob.chat.getGroupList()).data.groupList)).toBe([g1, g3].sort().join());
    } finally {
      await bob.chat.destroy();
      await cutter.close();
      await gate.close();
    }
  });
});

/** Waits for a condition the test is about to assert (no fixed sleeps). */
async function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
