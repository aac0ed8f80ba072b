/** Dialling: a 1:1 call, or a group call (a classroom when its owner starts one). */
import type { CallType, ViewState } from '../../shared/schema.ts';
import { encodeInvite, newRoomID } from '../../../protocol/call-data.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import type { OpenInvitation } from '../../../protocol/signaling.ts';
import { USER_STATUS } from '../../../protocol/presence.ts';
import { MESH_LIMIT } from '../../../protocol/sfu.ts';
import { sdkCall, ViewError } from '../errors.ts';
import { defineFeature } from '../feature.ts';
import type { PhoneContext } from '../phone-context.ts';
import { hasSfu } from './capabilities.ts';

/** How long an outgoing invitation rings before the server times it out. */
export const DIAL_TIMEOUT_SECONDS = 30;

/** The invitation I just sent, as the server holds it. */
function sent(ctx: PhoneContext, inviteID: string, groupID: string, inviteeList: string[], data: string): OpenInvitation {
  return { inviteID, inviter: ctx.me(), groupID, inviteeList, data, timeout: DIAL_TIMEOUT_SECONDS, remaining: DIAL_TIMEOUT_SECONDS };
}

async function dialUser(ctx: PhoneContext, userID: string, callType: CallType): Promise<ViewState> {
  const chat = ctx.chat();
  if (userID === ctx.me()) throw new ViewError(ErrorCode.INVALID_PARAMETER, 'errorCallSelf', 'cannot call yourself');
  const data = encodeInvite(newRoomID(), callType);
  const res = await sdkCall(() => chat.invite({ userID, data, timeout: DIAL_TIMEOUT_SECONDS }));
  // Sent all the same: they ring when they come back online while it is pending.
  const offline = await isOffline(ctx, userID);
  await ctx.dispatch({ type: 'dialled', inv: sent(ctx, res.inviteID, '', [userID], data), ...(offline ? { offline } : {}) });
  return ctx.view();
}

/** Whether the server says `userID` has no session (asked when not followed yet; a stranger's is unknown, never offline). */
async function isOffline(ctx: PhoneContext, userID: string): Promise<boolean> {
  const known = ctx.presence.of(userID);
  if (known !== undefined && known !== 'unknown') return known === 'offline';
  try {
    const { data } = await ctx.chat().getUserStatus({ userIDList: [userID] });
    return data.successUserList[0]?.statusType === USER_STATUS.OFFLINE;
  } catch {
    return false;
  }
}

/**
 * A group call: a full mesh (every participant sends to every other one) takes at most
 * MESH_LIMIT people; larger calls need the server's SFU.
 */
async function dialGroup(ctx: PhoneContext, groupID: string, inviteeList: string[], callType: CallType, classroom: boolean): Promise<ViewState> {
  const chat = ctx.chat();
  const invitees = inviteeList.filter((u) => u !== ctx.me());
  if (invitees.length > MESH_LIMIT - 1 && !(await hasSfu(chat))) {
    throw new ViewError(ErrorCode.INVALID_PARAMETER, 'errorGroupCallTooLarge', `a group call has at most ${MESH_LIMIT} participants`, [String(MESH_LIMIT)]);
  }
  const group = await ctx.groups.lookup(chat, groupID);
  if (classroom && group.owner !== ctx.me()) throw new ViewError(ErrorCode.NOT_PERMITTED, 'errorNotAllowed', 'only the group owner starts a classroom');
  const data = encodeInvite(newRoomID(), callType, classroom ? 'classroom' : undefined);
  const res = await sdkCall(() => chat.inviteInGroup({ groupID, inviteeList: invitees, data, timeout: DIAL_TIMEOUT_SECONDS }));
  await ctx.dispatch({ type: 'dialled', inv: sent(ctx, res.inviteID, groupID, invitees, data), ...(group.name ? { groupName: group.name } : {}), ...(group.owner ? { groupOwner: group.owner } : {}) });
  return ctx.view();
}

export const dial = defineFeature({
  name: 'dial',
  handles: {
    'call/dial': (ctx, req) => dialUser(ctx, req.userID, req.callType),
    'call/dialGroup': (ctx, req) => dialGroup(ctx, req.groupID, req.inviteeList, req.callType, req.classroom ?? false),
  },
});
