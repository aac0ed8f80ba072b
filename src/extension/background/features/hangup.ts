/** Ending a call: cancelling one I dial, or hanging up the active one. */
import type { HangupReason, ViewState } from '../../shared/schema.ts';
import { CLASS_ENDED, encodeCallEnd } from '../../../protocol/call-data.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { isAdHoc, participantsOf } from '../calls.ts';
import { saveGroupCallTime } from '../group-call-times.ts';
import { sdkCall, ViewError } from '../errors.ts';
import { logError } from '../log.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';
import { DIAL_TIMEOUT_SECONDS } from './dial.ts';
import { callSeconds, callsInProgress } from '../calls.ts';

async function cancel(ctx: PhoneContext, inviteID: string): Promise<ViewState> {
  const chat = ctx.chat();
  try {
    await sdkCall(() => chat.cancel({ inviteID }));
  } catch (e) {
    // Nothing left to cancel (8020): it stops dialling here all the same.
    if (e instanceof ViewError && e.code === ErrorCode.CANCEL_NOT_POSSIBLE) await ctx.dispatch({ type: 'localCancelled', inviteID });
    throw e;
  }
  await ctx.dispatch({ type: 'localCancelled', inviteID });
  return ctx.view();
}

/**
 * The seed's hang-up: a new invitation whose data marks end-of-call with the duration.
 * `inviteID`: a call window asking for an older call must not end a newer one. A group
 * call ends for me alone, except a class I teach: it ends for everyone in it (the hang-up
 * goes to all of them, `class_ended` or why my window went away), so no student stays
 * muted in a class without a teacher.
 */
export async function endCall(ctx: PhoneContext, reason?: HangupReason, inviteID?: string): Promise<ViewState> {
  const state = ctx.state();
  const { classroom } = state;
  // The current call, or the one asked for (current or held in the background).
  const active = inviteID ? callsInProgress(state).find((c) => c.inviteID === inviteID) : state.active;
  if (!active) return ctx.view();
  const teaching = !!active.groupID && classroom?.roomID === active.roomID && classroom.teacher === ctx.me();
  const students = teaching ? participantsOf(active).filter((u) => u !== ctx.me()) : [];
  // The same number goes into the marker (the peer's and my call log) and my call window.
  const duration = callSeconds(active, ctx.now());
  // Ended first, so a second hang-up (the window closing right after) finds no call.
  await ctx.dispatch({ type: 'ended', inviteID: active.inviteID, seconds: duration, ...(reason ? { reason } : {}) });
  const chat = ctx.chatIfAny();
  if (!active.groupID && chat) {
    // The peer's window going away is the peer's own hang-up: its worker sends the marker.
    // A call of several made from a 1:1 call: everyone still in it hears that I left.
    const to = isAdHoc(active) ? participantsOf(active).filter((u) => u !== ctx.me()) : [active.peer];
    for (const userID of to) {
      await chat
        .invite({ userID, data: encodeCallEnd(active.inviteID, active.roomID, duration, reason), timeout: DIAL_TIMEOUT_SECONDS })
        .catch((e) => logError('hang-up', e));
    }
  }
  if (active.groupID) await saveGroupCallTime(active.inviteID, duration).catch((e) => logError('group call time', e));
  if (students.length > 0 && chat) {
    const data = encodeCallEnd(active.inviteID, active.roomID, duration, reason ?? CLASS_ENDED);
    await chat
      .inviteInGroup({ groupID: active.groupID, inviteeList: students, data, timeout: DIAL_TIMEOUT_SECONDS, offlinePushInfo: { disablePush: true } })
      .catch((e) => logError('end of class', e));
  }
  return ctx.view();
}

export const hangup = defineFeature({
  name: 'hangup',
  handles: {
    'call/cancel': (ctx, req) => cancel(ctx, req.inviteID),
    'call/hangup': (ctx, req) => endCall(ctx, req.reason, req.inviteID),
  },
});
