/**
 * What the server tells the session about invitations, as call events (calls.ts): the
 * signaling events as they arrive, and the pending list after every (re)login.
 */
import type { SignalingEvent } from '../../protocol/signaling.ts';
import { callsInProgress, type CallEvent, type CallState } from './calls.ts';
import type { GroupDirectory } from './group-directory.ts';
import { endingsFromHistory } from './history.ts';
import type { SessionChat } from './session.ts';

/** One signaling event as a call event; `atLogin` when heard between a (re)connect and its reconcile. */
export async function callEventOf(signal: SignalingEvent, chat: SessionChat | null, groups: GroupDirectory, atLogin: boolean): Promise<CallEvent> {
  switch (signal.name) {
    case 'newInvitationReceived': {
      const inv = signal.data;
      const group = inv.groupID && chat ? await groups.lookup(chat, inv.groupID) : {};
      return {
        type: 'invited',
        inv,
        ...(group.name ? { groupName: group.name } : {}),
        ...(group.owner ? { groupOwner: group.owner } : {}),
        ...(atLogin ? { atLogin } : {}),
      };
    }
    case 'ts_invitee_accepted': {
      const { inviteID, invitee, data } = signal.data;
      return { type: 'accepted', inviteID, invitee, data: data ?? '' };
    }
    case 'ts_invitee_rejected': {
      const { inviteID, invitee, data, reason } = signal.data;
      return { type: 'rejected', inviteID, invitee, data: data ?? '', ...(reason ? { reason } : {}) };
    }
    case 'ts_invitation_cancelled': {
      const { inviteID, reason } = signal.data;
      return { type: 'cancelled', inviteID, ...(reason ? { reason } : {}) };
    }
    case 'ts_invitation_timeout': {
      const { inviteID, inviteeList, isSelfTimeout } = signal.data;
      return { type: 'timeout', inviteID, inviteeList: inviteeList ?? [], isSelfTimeout: !!isSelfTimeout };
    }
    case 'ts_invitation_modified': {
      const { inviteID, data, modifier } = signal.data;
      return { type: 'modified', inviteID, data: data ?? '', modifier: modifier ?? '' };
    }
  }
}

/**
 * The server's pending list, the truth after every (re)login: with how each ringing
 * invitation it no longer lists ended (from history), and the names of the groups calling.
 */
export async function reconciledEvent(chat: SessionChat, state: CallState, me: string, groups: GroupDirectory): Promise<CallEvent> {
  const { data } = await chat.getPendingInvitations();
  const open = new Set(data.invitationList.map((i) => i.inviteID));
  const gone = state.calls.filter((c) => !open.has(c.inviteID) && c.direction === 'incoming');
  const endings = gone.length ? await endingsFromHistory(chat, me, gone) : {};
  for (const inv of data.invitationList) if (inv.groupID) await groups.lookup(chat, inv.groupID);
  return { type: 'reconciled', pending: data.invitationList, endings };
}

/**
 * The current data of each 1:1 call in progress, read back from the server after every
 * (re)login: who holds it is kept there (modifyInvitation), and a worker that started
 * again, or a session the server did not resume, missed the changes made meanwhile.
 */
export async function holdsRefreshed(chat: SessionChat, state: CallState): Promise<CallEvent[]> {
  const events: CallEvent[] = [];
  for (const call of callsInProgress(state).filter((c) => !c.groupID)) {
    const { data } = await chat.getInvitation({ inviteID: call.inviteID });
    events.push({ type: 'modified', inviteID: call.inviteID, data: data.invitation.data, modifier: '' });
  }
  return events;
}
