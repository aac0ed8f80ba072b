/**
 * Classroom mode: the group's owner asks for raised hands, gives a student the floor, or
 * takes it back (`endSpeak`); a student lowers the hand (`lowerHand`, which gives the floor
 * back when it was theirs). docs/CALLS.md has the data format.
 */
import type { ViewState } from '../../shared/schema.ts';
import { encodeClassroom } from '../../../protocol/call-data.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { sdkCall, ViewError } from '../errors.ts';
import { releaseTarget } from '../calls.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';
import { DIAL_TIMEOUT_SECONDS } from './dial.ts';

/** How long students have to raise a hand. */
const RAISE_HAND_TIMEOUT_SECONDS = 60;

async function invite(ctx: PhoneContext, action: 'raiseHand' | 'speak', inviteeList: string[]): Promise<ViewState> {
  const chat = ctx.chat();
  const active = ctx.state().active;
  if (!active?.groupID) throw new ViewError(ErrorCode.NOT_PERMITTED, 'errorNotAllowed', 'classroom mode needs a group call');
  const owner = (await ctx.groups.lookup(chat, active.groupID)).owner ?? active.groupOwner;
  if (owner !== ctx.me()) throw new ViewError(ErrorCode.NOT_PERMITTED, 'errorNotAllowed', 'only the group owner leads a classroom');
  const invitees = inviteeList.filter((u) => u !== ctx.me());
  const res = await sdkCall(() =>
    chat.inviteInGroup({
      groupID: active.groupID,
      inviteeList: invitees,
      data: encodeClassroom(action, active.roomID, active.inviteID),
      timeout: action === 'raiseHand' ? RAISE_HAND_TIMEOUT_SECONDS : DIAL_TIMEOUT_SECONDS,
      offlinePushInfo: { disablePush: true },
    }),
  );
  await ctx.dispatch({ type: 'classroomSent', action, inviteID: res.inviteID, invitees });
  return ctx.view();
}

/** The floor given back: a student lowers the hand, or the teacher takes the floor back (calls.ts releaseTarget). */
async function release(ctx: PhoneContext, action: 'lowerHand' | 'endSpeak'): Promise<ViewState> {
  const chat = ctx.chat();
  const { active, classroom } = ctx.state();
  const to = active?.groupID ? releaseTarget(classroom, action, ctx.me()) : null;
  if (!active || !to) throw new ViewError(ErrorCode.NOT_PERMITTED, 'errorNotAllowed', `${action}: nothing to give back now`);
  const res = await sdkCall(() =>
    chat.inviteInGroup({
      groupID: active.groupID,
      inviteeList: [to],
      data: encodeClassroom(action, active.roomID, active.inviteID),
      timeout: DIAL_TIMEOUT_SECONDS,
      offlinePushInfo: { disablePush: true },
    }),
  );
  await ctx.dispatch({ type: 'classroomSent', action, inviteID: res.inviteID, invitees: [to] });
  return ctx.view();
}

export const classroom = defineFeature({
  name: 'classroom',
  handles: {
    'classroom/raiseHands': (ctx, req) => invite(ctx, 'raiseHand', req.inviteeList),
    'classroom/pick': (ctx, req) => invite(ctx, 'speak', [req.userID]),
    'classroom/lowerHand': (ctx) => release(ctx, 'lowerHand'),
    'classroom/endSpeak': (ctx) => release(ctx, 'endSpeak'),
  },
});
