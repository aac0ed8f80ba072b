/**
 * Type-level tests of the extension's messages (shared/schema.ts `Request` and
 * `RequestResults`, background/feature.ts, registry.ts): checked by `tsc`
 * (test/unit/typecheck.test.ts), never run. Every `@ts-expect-error` must stay an error:
 * a handler that answers another shape, one for a request type that does not exist, a
 * registry that misses a request type, or a view reading the wrong result must not compile.
 */
import { expectTypeOf } from 'vitest';
import type { Group } from '../../src/protocol/im.ts';
import type { HistoryRecord, RequestOf, RequestResults, ViewState } from '../../src/extension/shared/schema.ts';
import { defineFeature, type RequestHandler } from '../../src/extension/background/feature.ts';
import type { FEATURES, Unhandled } from '../../src/extension/background/registry.ts';
import type { dial } from '../../src/extension/background/features/dial.ts';
import type { request } from '../../src/extension/messaging/client.ts';

// ---- results: the view's state unless the request asks for data

expectTypeOf<RequestResults['call/dial']>().toEqualTypeOf<ViewState>();
expectTypeOf<RequestResults['groups/list']>().toEqualTypeOf<Group[]>();
expectTypeOf<RequestResults['history/get']>().toEqualTypeOf<HistoryRecord[]>();
expectTypeOf<RequestOf<'call/accept'>>().toEqualTypeOf<{ type: 'call/accept'; inviteID: string; then?: 'hold' | 'end' | undefined }>();

// ---- handlers: typed from the schema

export const typed = defineFeature({
  name: 'typed',
  handles: { 'groups/members': async (_ctx, req) => [req.groupID] },
});
expectTypeOf(typed.handles?.['groups/members']).toEqualTypeOf<RequestHandler<'groups/members'> | undefined>();

export const wrongShape = defineFeature({
  name: 'wrong-shape',
  // @ts-expect-error server/hasSfu answers a boolean
  handles: { 'server/hasSfu': async () => 'yes' },
});

export const noSuchRequest = defineFeature({
  name: 'no-such-request',
  // @ts-expect-error there is no request 'call/park': a handler needs its schema entry first
  handles: { 'call/park': async (ctx) => ctx.view() },
});

export const wrongField = defineFeature({
  name: 'wrong-field',
  // @ts-expect-error call/dial carries userID, not inviteID
  handles: { 'call/dial': async (ctx, req) => (req.inviteID, ctx.view()) },
});

// ---- the registry: every request type has a handler

expectTypeOf<Unhandled<typeof FEATURES>>().toEqualTypeOf<never>();
expectTypeOf<Unhandled<[typeof dial]>>().not.toEqualTypeOf<never>();
expectTypeOf<Extract<Unhandled<[typeof dial]>, 'call/dial' | 'call/dialGroup'>>().toEqualTypeOf<never>();

// ---- the views: a request's result is typed by the request

expectTypeOf<Awaited<ReturnType<typeof request<'groups/members'>>>>().toEqualTypeOf<string[]>();
declare const send: typeof request;
// @ts-expect-error groups/members needs a groupID
void send({ type: 'groups/members' });
