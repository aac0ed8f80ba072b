/**
 * The history a transfer and an add leave, read by Tencent's own published signaling module
 * (@tencentcloud/chat/modules/signaling-module.js, its `getSignalingInfo`): the same
 * TSignaling JSON as any invitation, the server's join marker inside the app's `data`
 * (API.md "Transfer and add someone"). SQLite here, PostgreSQL with
 * `--project integration-postgres`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeInvite } from '../../src/protocol/call-data.ts';
import { TSignaling } from '../../src/sdk/index.ts';
import { startHarness, type Client, type Harness } from './harness.ts';

interface SignalingInfo {
  businessID: number;
  inviteID: string;
  inviter: string;
  inviteeList: string[];
  actionType: number;
  data: string;
  groupID: string;
}
interface PublishedSignaling {
  getSignalingInfo(message: unknown): SignalingInfo | null;
}

/** Tencent's module, built on a module manager it does not need for reading a message. */
async function published(): Promise<PublishedSignaling> {
  const path = '@tencentcloud/chat/modules/signaling-module.js';
  const { default: SignalingModule } = (await import(path)) as { default: new (m: unknown) => PublishedSignaling };
  const inert: unknown = new Proxy(function () {}, { get: (_t, k) => (k === 'then' ? undefined : inert), apply: () => inert });
  return new SignalingModule(new Proxy({}, { get: () => inert }));
}

let h: Harness;
let tencent: PublishedSignaling;
beforeAll(async () => {
  h = await startHarness();
  tencent = await published();
});
afterAll(() => h.close());

let counter = 0;
const person = (base: string) => h.client(`${base}${++counter}_${Math.random().toString(36).slice(2, 7)}`);
const rings = (c: Client, inviteID: string) => c.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === inviteID);

describe("the published TSignaling module reads a transfer's and an add's history", () => {
  it('as invitations and answers, with the join marker in their data', async () => {
    const [alice, bob, carol, dave] = (await Promise.all(['alice', 'bob', 'carol', 'dave'].map(person))) as [Client, Client, Client, Client];
    const { inviteID: call } = await alice.chat.invite({ userID: bob.userID, data: encodeInvite('r1', 'audio'), timeout: 30 });
    await rings(bob, call);
    await bob.chat.accept({ inviteID: call });
    const { inviteID: moved } = await bob.chat.transferCall({ inviteID: call, userID: carol.userID });
    await rings(carol, moved);
    await carol.chat.reject({ inviteID: moved });
    const { inviteID: added } = await alice.chat.addToCall({ inviteID: call, userID: dave.userID });
    await rings(dave, added);
    await dave.chat.accept({ inviteID: added });

    const read = async (c: Client, conversationID: string, inviteID: string) =>
      (await c.chat.getMessageList({ conversationID, count: 50 })).data.messageList.map((m) => tencent.getSignalingInfo(m)).filter((s) => s?.inviteID === inviteID) as SignalingInfo[];

    const transfer = await read(carol, `C2C${alice.userID}`, moved);
    expect(transfer.map((s) => s.actionType)).toEqual([1, 4]);
    expect(transfer[0]).toMatchObject({ businessID: 1, inviter: alice.userID, inviteeList: [carol.userID], groupID: '' });
    expect(JSON.parse(transfer[0]!.data).join).toEqual({ kind: 'transfer', by: bob.userID, callInviteID: call, parties: [alice.userID] });

    const add = await read(dave, `C2C${alice.userID}`, added);
    expect(add.map((s) => s.actionType)).toEqual([1, 3]);
    expect(JSON.parse(add[0]!.data).join).toMatchObject({ kind: 'add', by: alice.userID, callInviteID: call });
  });
});
