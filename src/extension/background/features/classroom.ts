/**
 * A class (a group call its owner started as one): the teacher asks for raised hands,
 * gives a student the floor, takes it back (`endSpeak`) and lowers every hand
 * (`lowerHands`); a student raises a hand (accepting the teacher's question, or `handUp`
 * unasked) and lowers it (`lowerHand`, which gives the floor back when it was theirs).
 * In a plain group call there is no classroom and these are refused. docs/CALLS.md has
 * the data format.
 */
import type { Classroom, ViewState } from '../../shared/schema.ts';
import { encodeClassroom, type ClassroomData } from '../../../protocol/call-data.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { sdkCall, ViewError } from '../errors.ts';
import { releaseTarget } from '../calls.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';
import { DIAL_TIMEOUT_SECONDS } from './dial.ts';

/** How long students have to raise a hand. */
const RAISE_HAND_TIMEOUT_SECONDS = 60;

function notAllowed(why: string): ViewError {
  return new ViewError(ErrorCode.NOT_PERMITTED, 'errorNotAllowed', why);
}

/** The class of the active call, or a refusal: a plain group call has none. */
function currentClass(ctx: PhoneContext): { groupID: string; roomID: string; inviteID: string; c: Classroom } {
  const { active, classroom } = ctx.state();
  if (!active?.groupID || !classroom || classroom.roomID !== active.roomID) throw notAllowed('there is no class in this call');
  return { groupID: active.groupID, roomID: active.roomID, inviteID: active.inviteID, c: classroom };
}

/** Sends one classroom action to `invitees` and follows it in the call state. */
async function send(ctx: PhoneContext, action: ClassroomData['classroom'], invitees: string[], timeout = DIAL_TIMEOUT_SECONDS): Promise<ViewState> {
  const { groupID, roomID, inviteID } = currentClass(ctx);
  const chat = ctx.chat();
  const res = await sdkCall(() =>
    chat.inviteInGroup({ groupID, inviteeList: invitees, data: encodeClassroom(action, roomID, inviteID), timeout, offlinePushInfo: { disablePush: true } }),
  );
  await ctx.dispatch({ type: 'classroomSent', action, inviteID: res.inviteID, invitees });
  return ctx.view();
}

/** The teacher's actions: only the class's teacher sends them. */
function teach(ctx: PhoneContext, action: 'raiseHand' | 'speak' | 'lowerHands', inviteeList: string[]): Promise<ViewState> {
  const { c } = currentClass(ctx);
  if (c.teacher !== ctx.me()) throw notAllowed('only the teacher leads the class');
  const invitees = inviteeList.filter((u) => u !== ctx.me());
  if (invitees.length === 0) throw notAllowed(`${action}: nobody to send it to`);
  return send(ctx, action, invitees, action === 'raiseHand' ? RAISE_HAND_TIMEOUT_SECONDS : DIAL_TIMEOUT_SECONDS);
}

/** The floor given back: a student lowers the hand, or the teacher takes the floor back (calls.ts releaseTarget). */
function release(ctx: PhoneContext, action: 'lowerHand' | 'endSpeak'): Promise<ViewState> {
  const to = releaseTarget(currentClass(ctx).c, action, ctx.me());
  if (!to) throw notAllowed(`${action}: nothing to give back now`);
  return send(ctx, action, [to]);
}

/** A student raises a hand: answering the teacher's open question if there is one, else unasked. */
async function raiseHand(ctx: PhoneContext): Promise<ViewState> {
  const { c } = currentClass(ctx);
  const me = ctx.me();
  if (me === c.teacher || c.hands.includes(me) || c.speaker === me) throw notAllowed('raiseHand: the hand is up already');
  const asked = ctx.state().calls.find((x) => x.kind === 'raiseHand' && x.direction === 'incoming' && x.inviteID === c.handsInviteID);
  if (asked) {
    await sdkCall(() => ctx.chat().accept({ inviteID: asked.inviteID }));
    await ctx.dispatch({ type: 'localAccepted', inviteID: asked.inviteID });
    return ctx.view();
  }
  return send(ctx, 'handUp', [c.teacher]);
}

export const classroom = defineFeature({
  name: 'classroom',
  handles: {
    'classroom/raiseHands': (ctx, req) => teach(ctx, 'raiseHand', req.inviteeList),
    'classroom/pick': (ctx, req) => teach(ctx, 'speak', [req.userID]),
    'classroom/lowerHands': (ctx) => teach(ctx, 'lowerHands', currentClass(ctx).c.hands),
    'classroom/lowerHand': (ctx) => release(ctx, 'lowerHand'),
    'classroom/endSpeak': (ctx) => release(ctx, 'endSpeak'),
    'classroom/raiseHand': (ctx) => raiseHand(ctx),
  },
});
