/**
 * Hold and resume (docs/CALLS.md "Hold"): who holds a 1:1 call is part of its invitation's
 * data, changed with the server's `modifyInvitation`, so both sides (and every device, and a
 * worker or session that starts again) read the same state from the server. Resuming a call
 * held in the background holds the current one first (switching between two calls).
 */
import type { ActiveCall, ViewState } from '../../shared/schema.ts';
import { encodeInvite } from '../../../protocol/call-data.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { callsInProgress, isHoldable } from '../calls.ts';
import { sdkCall, ViewError } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';

/** The call in progress `inviteID`, or 8010 when it is over. */
function inProgress(ctx: PhoneContext, inviteID: string): ActiveCall {
  const call = callsInProgress(ctx.state()).find((c) => c.inviteID === inviteID);
  if (!call) throw new ViewError(ErrorCode.INVITE_PART_ENDED, 'errorAlreadyEnded', `no call in progress ${inviteID}`);
  return call;
}

/** Only 1:1 calls hold (isHoldable). */
export function assertHoldable(call: ActiveCall): void {
  if (!isHoldable(call)) throw new ViewError(ErrorCode.NOT_PERMITTED, 'errorHoldGroup', 'a group call or a call of several cannot be held');
}

/** Adds or removes me among the call's holders, on the server first (modifyInvitation), then here. */
export async function setMyHold(ctx: PhoneContext, call: ActiveCall, on: boolean): Promise<void> {
  assertHoldable(call);
  const me = ctx.me();
  const current = call.holders ?? [];
  if (current.includes(me) === on) return;
  const holders = on ? [...current, me] : current.filter((u) => u !== me);
  const chat = ctx.chat();
  await sdkCall(() => chat.modifyInvitation({ inviteID: call.inviteID, data: encodeInvite(call.roomID, call.callType, call.mode, holders) }));
  await ctx.dispatch({ type: 'holdSet', inviteID: call.inviteID, holders });
}

async function hold(ctx: PhoneContext, inviteID: string, on: boolean): Promise<ViewState> {
  const call = inProgress(ctx, inviteID);
  assertHoldable(call);
  const current = ctx.state().active;
  if (!on && current && current.inviteID !== inviteID) {
    // Switching: the current call goes on hold in the background first.
    await setMyHold(ctx, current, true);
    await ctx.dispatch({ type: 'switched', inviteID });
  }
  await setMyHold(ctx, inProgress(ctx, inviteID), on);
  return ctx.view();
}

export const holdFeature = defineFeature({
  name: 'hold',
  handles: {
    'call/hold': (ctx, req) => hold(ctx, req.inviteID, req.on),
  },
});
