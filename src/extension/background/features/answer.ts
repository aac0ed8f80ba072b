/** Answering a ringing invitation: accept, reject, or only silence its ringtone. */
import type { ViewState } from '../../shared/schema.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { sdkCall, ViewError } from '../errors.ts';
import type { PhoneContext } from './context.ts';
import { hangup } from './hangup.ts';

function ringing(ctx: PhoneContext, inviteID: string) {
  const entry = ctx.state().calls.find((c) => c.inviteID === inviteID && c.direction === 'incoming');
  if (!entry) throw new ViewError(ErrorCode.INVITE_PART_ENDED, 'errorAlreadyEnded', `no ringing invitation ${inviteID}`);
  return entry;
}

export async function answer(ctx: PhoneContext, inviteID: string, how: 'accept' | 'reject'): Promise<ViewState> {
  const chat = ctx.chat();
  const entry = ringing(ctx, inviteID);
  if (how === 'accept' && ctx.state().active && !entry.kind) await hangup(ctx); // call waiting: end the current call
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
export async function silence(ctx: PhoneContext, inviteID: string): Promise<ViewState> {
  ringing(ctx, inviteID);
  await ctx.dispatch({ type: 'silenced', inviteID });
  return ctx.view();
}
