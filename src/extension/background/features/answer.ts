/**
 * Answering a ringing invitation: accept, reject, or only silence its ringtone; and the
 * page badge's confirmation, where it cannot tell that it is visible (Firefox).
 */
import type { ViewState } from '../../shared/schema.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { sdkCall, ViewError } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';
import { openPopupWindow } from '../windows.ts';
import { endCall } from './hangup.ts';
import { setMyHold } from './hold.ts';

function ringing(ctx: PhoneContext, inviteID: string) {
  const entry = ctx.state().calls.find((c) => c.inviteID === inviteID && c.direction === 'incoming');
  if (!entry) throw new ViewError(ErrorCode.INVITE_PART_ENDED, 'errorAlreadyEnded', `no ringing invitation ${inviteID}`);
  return entry;
}

/**
 * Accept or reject. Call waiting (a call in progress): accepting holds the current call
 * (`then: 'hold'`, the default, so a call never ends without the user choosing it) or ends
 * it (`'end'`: its peer reads that I took another call).
 */
async function answerCall(ctx: PhoneContext, inviteID: string, how: 'accept' | 'reject', then: 'hold' | 'end' = 'hold'): Promise<ViewState> {
  const chat = ctx.chat();
  const entry = ringing(ctx, inviteID);
  const current = ctx.state().active;
  if (how === 'accept' && current && !entry.kind) {
    if (then === 'end') await endCall(ctx, 'took_another_call', current.inviteID);
    else await setMyHold(ctx, current, true);
  }
  try {
    await sdkCall(() => (how === 'accept' ? chat.accept({ inviteID }) : chat.reject({ inviteID })));
  } catch (e) {
    // Already ended elsewhere (8010): stop ringing for it either way.
    if (e instanceof ViewError && e.code === ErrorCode.INVITE_PART_ENDED) await ctx.dispatch({ type: 'localRejected', inviteID });
    throw e;
  }
  await ctx.dispatch(how === 'accept' ? { type: 'localAccepted', inviteID } : { type: 'localRejected', inviteID });
  return ctx.view();
}

/** "Silence": only the ringtone stops. Nothing is sent to the server, so the page badge needs no arming for it. */
async function silence(ctx: PhoneContext, inviteID: string): Promise<ViewState> {
  ringing(ctx, inviteID);
  await ctx.dispatch({ type: 'silenced', inviteID });
  return ctx.view();
}

/**
 * The page badge's "accept" where the badge cannot know it is visible (Firefox): the
 * popup opens in its own window, an extension page no web page can cover, and the user
 * answers there.
 */
async function confirmInPopup(ctx: PhoneContext, inviteID: string): Promise<ViewState> {
  if (ctx.view().incoming.some((c) => c.inviteID === inviteID)) await openPopupWindow();
  return ctx.view();
}

export const answer = defineFeature({
  name: 'answer',
  handles: {
    'call/accept': (ctx, req) => answerCall(ctx, req.inviteID, 'accept', req.then),
    'call/reject': (ctx, req) => answerCall(ctx, req.inviteID, 'reject'),
    'call/silence': (ctx, req) => silence(ctx, req.inviteID),
    'call/confirm': (ctx, req) => confirmInPopup(ctx, req.inviteID),
  },
});
