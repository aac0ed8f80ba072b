/**
 * Transfer and add someone (docs/CALLS.md "Transfer and add someone"), from the call window:
 * - `call/transfer`: blind transfer of the active 1:1 call (the server's transferCall). The
 *   other party rings the target, who sees "alice, transferred by bob"; I leave at once, as
 *   RingCentral's and Teams' blind transfer do: my end-of-call marker says `transferred`
 *   and names the new invitation, and the other party's worker follows it from the server.
 * - `call/add`: rings someone into the active 1:1 call's room (the server's addToCall); when
 *   they answer, the call is one of several (ActiveCall.adHoc).
 * - `call/joined`: my call window's room admitted people another participant added.
 */
import type { ViewState } from '../../shared/schema.ts';
import { encodeCallEnd } from '../../../protocol/call-data.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { callSeconds, isAdHoc } from '../calls.ts';
import { sdkCall, ViewError } from '../errors.ts';
import { logError } from '../log.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';
import { DIAL_TIMEOUT_SECONDS } from './dial.ts';

/** The active 1:1 call (or one of several made from it), or a ViewError the window shows. */
function running(ctx: PhoneContext, userID: string) {
  const a = ctx.state().active;
  if (!a || a.groupID) throw new ViewError(ErrorCode.NOT_PERMITTED, 'errorNotAllowed', 'only a 1:1 call is transferred or extended');
  if (userID === ctx.me()) throw new ViewError(ErrorCode.INVALID_PARAMETER, 'errorCallSelf', 'cannot call yourself');
  return a;
}

async function transfer(ctx: PhoneContext, userID: string): Promise<ViewState> {
  const a = running(ctx, userID);
  if (isAdHoc(a)) throw new ViewError(ErrorCode.NOT_PERMITTED, 'errorNotAllowed', 'a call of several is not transferred');
  const chat = ctx.chat();
  const res = await sdkCall(() => chat.transferCall({ inviteID: a.inviteID, userID, timeout: DIAL_TIMEOUT_SECONDS }));
  const duration = callSeconds(a, ctx.now());
  await ctx.dispatch({ type: 'ended', reason: 'transferred', seconds: duration, to: userID });
  await chat
    .invite({ userID: a.peer, data: encodeCallEnd(a.inviteID, a.roomID, duration, 'transferred', res.inviteID), timeout: DIAL_TIMEOUT_SECONDS })
    .catch((e) => logError('transfer hang-up', e));
  return ctx.view();
}

async function add(ctx: PhoneContext, userID: string): Promise<ViewState> {
  const a = running(ctx, userID);
  const chat = ctx.chat();
  const res = await sdkCall(() => chat.addToCall({ inviteID: a.inviteID, userID, timeout: DIAL_TIMEOUT_SECONDS }));
  const data = res.data.message ? (JSON.parse(res.data.message.payload.data) as { data?: unknown }).data : undefined;
  await ctx.dispatch({
    type: 'dialled',
    inv: { inviteID: res.inviteID, inviter: ctx.me(), groupID: '', inviteeList: [userID], data: typeof data === 'string' ? data : '', timeout: DIAL_TIMEOUT_SECONDS, remaining: DIAL_TIMEOUT_SECONDS },
  });
  return ctx.view();
}

export const transferFeature = defineFeature({
  name: 'transfer',
  handles: {
    'call/transfer': (ctx, req) => transfer(ctx, req.userID),
    'call/add': (ctx, req) => add(ctx, req.userID),
    'call/joined': async (ctx, req) => {
      await ctx.dispatch({ type: 'joined', userIDs: req.userIDList });
      return ctx.view();
    },
  },
});
