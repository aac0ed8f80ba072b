/**
 * The thin router: one validated request (messaging/worker.ts checks every message
 * against the `Request` schema and what a web page may ask) to the feature that serves it.
 */
import type { Request } from '../shared/schema.ts';
import type { PhoneContext } from './features/context.ts';
import { changeSettings, signIn, signOut, type AccountHost } from './features/account.ts';
import { answer, silence } from './features/answer.ts';
import { history, dismissNotice, missedSeen } from './features/call-log.ts';
import { classroom, release } from './features/classroom.ts';
import { dial, dialGroup } from './features/dial.ts';
import { otherMembers } from './features/groups.ts';
import { cancel, hangup } from './features/hangup.ts';
import { hasSfu } from './features/capabilities.ts';

export function route(ctx: PhoneContext, host: AccountHost, req: Exclude<Request, { type: 'call/confirm' }>): Promise<unknown> {
  switch (req.type) {
    case 'state/get':
      return Promise.resolve(ctx.view());
    case 'account/signIn':
      return signIn(host, req.server, req.userID, req.password, req.create);
    case 'account/signOut':
      return signOut(host);
    case 'settings/set':
      return changeSettings(host, req.patch);
    case 'call/dial':
      return dial(ctx, req.userID, req.callType);
    case 'call/dialGroup':
      return dialGroup(ctx, req.groupID, req.inviteeList, req.callType, req.classroom ?? false);
    case 'server/hasSfu':
      return hasSfu(ctx.chat());
    case 'call/accept':
      return answer(ctx, req.inviteID, 'accept');
    case 'call/reject':
      return answer(ctx, req.inviteID, 'reject');
    case 'call/silence':
      return silence(ctx, req.inviteID);
    case 'call/cancel':
      return cancel(ctx, req.inviteID);
    case 'call/hangup':
      return hangup(ctx, req.reason, req.inviteID);
    case 'classroom/raiseHands':
      return classroom(ctx, 'raiseHand', req.inviteeList);
    case 'classroom/pick':
      return classroom(ctx, 'speak', [req.userID]);
    case 'classroom/lowerHand':
      return release(ctx, 'lowerHand');
    case 'classroom/endSpeak':
      return release(ctx, 'endSpeak');
    case 'groups/list':
      return ctx.groups.list(ctx.chat());
    case 'groups/members':
      return otherMembers(ctx.chat(), req.groupID, ctx.me());
    case 'history/get':
      return history(ctx);
    case 'history/seen':
      return missedSeen(ctx);
    case 'notice/dismiss':
      return dismissNotice(ctx);
  }
}
