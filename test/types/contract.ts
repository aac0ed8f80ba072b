/**
 * Type-level tests of the op contract (protocol/ops.ts): checked by `tsc` (test/unit/typecheck.test.ts
 * runs it over the whole project), never run. Every `@ts-expect-error` below must stay an
 * error: a handler or an SDK method that answers the wrong shape, or an op without one,
 * must not compile. If one of them compiles, tsc fails on the unused directive.
 */
import { expectTypeOf } from 'vitest';
import type { Group, GroupMember, Message } from '../../src/protocol/im.ts';
import type { OpError, OpInput, OpParams, OpResult, SignalingResult } from '../../src/protocol/ops.ts';
import type { ChatOps, OpResponse, Response, SignalingResponse } from '../../src/sdk/chat.ts';
import type { Chat } from '../../src/sdk/index.ts';
import type { Handlers, ReadHandler, WriteHandler } from '../../src/server/handlers.ts';
import type { RtcChat } from '../../src/extension/call/session.ts';
import type { SfuChat } from '../../src/extension/call/sfu/sfu-call.ts';
import type { SessionChat } from '../../src/extension/background/session.ts';

declare const handlers: Handlers;

// ---- the contract's own types

expectTypeOf<OpResult<'getGroupList'>>().toEqualTypeOf<{ groupList: Group[] }>();
expectTypeOf<OpResult<'getGroupMemberList'>>().toEqualTypeOf<{ memberList: GroupMember[] }>();
expectTypeOf<OpResult<'accept'>>().toEqualTypeOf<SignalingResult>();
expectTypeOf<OpResult<'sendMessage'>>().toEqualTypeOf<{ message: Message }>();
expectTypeOf<OpParams<'accept'>>().toEqualTypeOf<{ inviteID: string; data?: string | undefined }>();
// accept may fail as the contract says: its own codes and those every op may answer (8040 request_cost among them).
expectTypeOf<OpError<'accept'>>().toEqualTypeOf<8010 | 8011 | 8001 | 2024 | 2800 | 2801 | 2802 | 8040>();
// Defaults are the handler's: `timeout` may be absent after validation.
expectTypeOf<OpParams<'invite'>['timeout']>().toEqualTypeOf<number | undefined>();

// ---- the server: a handler per op, answering the op's result

expectTypeOf(handlers.write.createGroup).toEqualTypeOf<WriteHandler<'createGroup'>>();
expectTypeOf(handlers.read.getGroupList).toEqualTypeOf<ReadHandler<'getGroupList'>>();

export const wrongWriteShape: WriteHandler<'createGroup'> = {
  // @ts-expect-error createGroup answers { group }, not { groupID }
  write: async () => ({ data: { groupID: 'g' } }),
};

export const wrongReadShape: ReadHandler<'getGroupList'> = {
  // @ts-expect-error getGroupList answers { groupList: Group[] }
  read: async () => ({ groups: [] }),
};

export const wrongParams: WriteHandler<'joinGroup'> = {
  write: async (_ctx, p) => {
    // @ts-expect-error joinGroup's params have no userID
    void p.userID;
    throw new Error('never run');
  },
};

const { setMessageRead: _dropped, ...withoutOne } = handlers.write;
// @ts-expect-error the write table lacks setMessageRead
export const missingHandler: Handlers['write'] = withoutOne;

// @ts-expect-error a write op cannot be served by a read handler
export const readForWrite: Handlers['read'] = { ...handlers.read, accept: handlers.read.getGroupList };

// ---- the SDK: a Chat method per op, resolving with the op's result

expectTypeOf<Awaited<ReturnType<Chat['getGroupList']>>>().toEqualTypeOf<Response<{ groupList: Group[] }>>();
expectTypeOf<Awaited<ReturnType<Chat['accept']>>>().toEqualTypeOf<SignalingResponse>();
expectTypeOf<Parameters<Chat['invite']>[0]>().toEqualTypeOf<OpInput<'invite'>>();
expectTypeOf<Awaited<ReturnType<Chat['getSfuJoin']>>>().toEqualTypeOf<OpResponse<'getSfuJoin'>>();

// @ts-expect-error a client missing an op's method is not a ChatOps
export const missingMethod: ChatOps = {} as Omit<ChatOps, 'getCapabilities'>;

export const wrongResult: Pick<ChatOps, 'getGroupList'> = {
  // @ts-expect-error getGroupList resolves with { code: 0, data: { groupList } }
  getGroupList: async () => ({ code: 0 as const, data: { list: [] } }),
};

// ---- the extension: its chat interfaces are the SDK's own methods

expectTypeOf<RtcChat['getIceServers']>().toEqualTypeOf<Chat['getIceServers']>();
expectTypeOf<SfuChat['getSfuJoin']>().toEqualTypeOf<Chat['getSfuJoin']>();
expectTypeOf<SessionChat['getGroupProfile']>().toEqualTypeOf<Chat['getGroupProfile']>();
