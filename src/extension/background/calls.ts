/**
 * The worker's call state as a pure transition function, `transition(state, event) →
 * { state, effects }` (a reducer in the style of xstate): no I/O here, so every rule of ringing,
 * answering elsewhere, busy, call waiting and missed calls is unit-tested directly.
 * The runner (runner.ts) performs the effects; notifications, toolbar badge, ringtone
 * and page badges are *derived* from the state (notifications.ts, toolbar.ts,
 * badge-view.ts, ringtone.ts), which is what makes a woken worker restore them without
 * ringing twice.
 *
 * Membership changes (API.md rules 6 and 9) arrive as ordinary events, on every session
 * including the one whose quitGroup/deleteGroupMember/dismissGroup caused them:
 * INVITEE_REJECTED `left_group` and INVITATION_CANCELLED `inviter_left`/`group_dismissed`
 * end the entry here at once, with no refetch of the pending list.
 */
import type { ActiveCall, CallEntry, CallState, Classroom, HangupReason, Notice, Settings } from '../shared/schema.ts';
import { CLASS_ENDED, decodeCallEnd, decodeClassroom, decodeHold, decodeInvite, encodeBusy, isBusy, type ClassroomData } from '../../protocol/call-data.ts';
import type { InvitationCancelledData, InvitationTimeoutData, InviteeAcceptedData, InviteeRejectedData, NewInvitationData, OpenInvitation, PendingInvitation } from '../../protocol/signaling.ts';

export type { CallState };

export const EMPTY_CALL_STATE: CallState = { calls: [], active: null, classroom: null, missed: 0, notice: null };

/** How an invitation that vanished while the worker slept ended for me (from history). */
export type Ending = 'timeout' | 'cancelled' | 'accepted' | 'rejected' | 'unknown';

export type CallEvent =
  /** `atLogin`: delivered while logging in (catch-up or the pending list), not live. */
  | { type: 'invited'; inv: NewInvitationData; groupName?: string; groupOwner?: string; atLogin?: boolean }
  /** I sent an invitation (the server answered its inviteID). */
  /** `offline`: the invitee had no session when I dialled (they ring when they come back while it is pending). */
  | { type: 'dialled'; inv: OpenInvitation; groupName?: string; groupOwner?: string; offline?: boolean }
  /** My microphone in the call in progress (the popup's or the call window's mute). */
  | { type: 'muted'; muted: boolean }
  | ({ type: 'accepted' } & Pick<InviteeAcceptedData, 'inviteID' | 'invitee' | 'data'>)
  | ({ type: 'rejected' } & Pick<InviteeRejectedData, 'inviteID' | 'invitee' | 'data' | 'reason'>)
  | ({ type: 'cancelled' } & Pick<InvitationCancelledData, 'inviteID' | 'reason'>)
  | ({ type: 'timeout' } & Pick<InvitationTimeoutData, 'inviteID' | 'inviteeList' | 'isSelfTimeout'>)
  /** I accepted; a call already in progress goes on hold in the background (I held it first). */
  | { type: 'localAccepted'; inviteID: string }
  /** The data of a call in progress changed (INVITATION_MODIFIED): who holds it now. */
  | { type: 'modified'; inviteID: string; data: string; modifier: string }
  /** My own modifyInvitation of a call in progress succeeded: these users hold it now. */
  | { type: 'holdSet'; inviteID: string; holders: string[] }
  /** A call held in the background becomes the current one; the current one (held by me first) goes to the background. */
  | { type: 'switched'; inviteID: string }
  | { type: 'localRejected'; inviteID: string }
  | { type: 'localCancelled'; inviteID: string }
  /** "Silence" pressed: the ringtone stops for this invitation; it still rings visually. */
  | { type: 'silenced'; inviteID: string }
  /**
   * I hung up; `seconds`: the duration my end-of-call marker carries (callSeconds); `to`: whom
   * I transferred the call to. `inviteID`: a call held in the background (default: the current call).
   */
  | { type: 'ended'; reason?: HangupReason; seconds?: number; to?: string; inviteID?: string }
  /** My call window admitted people another participant of my 1:1-made call added (its `admit` message). */
  | { type: 'joined'; userIDs: string[] }
  /** I (the group owner) sent a classroom action on the active group call. */
  | { type: 'classroomSent'; action: ClassroomData['classroom']; inviteID: string; invitees: string[] }
  | { type: 'reconciled'; pending: PendingInvitation[]; endings: Record<string, Ending> }
  | { type: 'missedSeen' }
  | { type: 'noticeDismissed' };

export type CallEffect =
  | { type: 'autoReject'; inviteID: string; data: string }
  /** Close an end-of-call invitation quietly (accept it) so it does not stay open. */
  | { type: 'ack'; inviteID: string }
  | { type: 'missedNotification'; entry: CallEntry }
  | { type: 'openCallPage' }
  /** Fetch the pending list again (reconcile): the other party transferred me and the server rings the target in my name. */
  | { type: 'refreshPending' };

export interface Context {
  me: string;
  now: number;
  settings: Settings;
}

interface Result {
  state: CallState;
  effects: CallEffect[];
}

function notice(ctx: Context, key: string, ...subs: string[]): Notice {
  return { key, subs, at: ctx.now };
}

/** The person or group a call entry is "with", for labels. */
export function peerOf(entry: Pick<CallEntry, 'direction' | 'inviter' | 'groupID' | 'inviteeList'>): string {
  if (entry.groupID) return entry.groupID;
  return entry.direction === 'incoming' ? entry.inviter : (entry.inviteeList[0] ?? '');
}

/** The call entry of an invitation, heard or sent: the one builder of entries. */
function entryFromInvitation(inv: NewInvitationData, ctx: Context, waiting: boolean, groupName?: string, groupOwner?: string, atLogin?: boolean): CallEntry {
  const { roomID, callType, mode, join } = decodeInvite(inv.data);
  const remaining = inv.remaining;
  const incoming = inv.inviter !== ctx.me;
  return {
    inviteID: inv.inviteID,
    direction: incoming ? 'incoming' : 'outgoing',
    inviter: inv.inviter,
    groupID: inv.groupID ?? '',
    ...(groupName ? { groupName } : {}),
    ...(groupOwner ? { groupOwner } : {}),
    inviteeList: inv.inviteeList,
    pending: inv.inviteeList,
    callType,
    roomID,
    // The server's join marker counts on a 1:1 invitation only (the server refuses it from clients).
    ...(join && !inv.groupID ? { join } : {}),
    // A class only in a group, and only from its owner when the owner is known.
    ...(mode && inv.groupID && (!groupOwner || groupOwner === inv.inviter) ? { mode } : {}),
    deadline: inv.timeout > 0 ? ctx.now + Math.max(0, remaining) * 1000 : 0,
    receivedAt: ctx.now,
    ...(inv.offlinePushInfo ? { offlinePushInfo: inv.offlinePushInfo } : {}),
    ...(atLogin ? { atLogin } : {}),
    waiting,
  };
}

/**
 * The call's participants as the server knows them (see ActiveCall.participants). A call
 * stored before they were tracked falls back to its 1:1 peer.
 */
export function participantsOf(a: ActiveCall): string[] {
  return a.participants ?? (a.groupID ? [] : [a.peer]);
}

function activeFrom(entry: CallEntry, ctx: Context, participants: string[]): ActiveCall {
  return {
    inviteID: entry.inviteID,
    direction: entry.direction,
    peer: peerOf(entry),
    groupID: entry.groupID,
    ...(entry.groupName ? { groupName: entry.groupName } : {}),
    ...(entry.groupOwner ? { groupOwner: entry.groupOwner } : {}),
    callType: entry.callType,
    roomID: entry.roomID,
    ...(entry.mode ? { mode: entry.mode } : {}),
    startedAt: ctx.now,
    participants: [...new Set(participants)],
    ...(entry.join ? { join: entry.join } : {}),
    ...(entry.join?.kind === 'add' ? { adHoc: true } : {}),
  };
}

/** Whether the active call is (or became) a call of several people made from a 1:1 call. */
export function isAdHoc(a: ActiveCall): boolean {
  return !a.groupID && (a.adHoc === true || participantsOf(a).length > 2);
}

/** Only a 1:1 call holds: a group call, or a call several people share, has no single other side to hold for. */
export function isHoldable(a: ActiveCall): boolean {
  return !a.groupID && !isAdHoc(a);
}

/** What the user reads when an invitation is cancelled (by the inviter, or by a membership change). */
function cancelNotice(entry: CallEntry, reason: string | undefined, ctx: Context): Notice | null {
  if (reason === 'group_dismissed') return notice(ctx, 'noticeGroupDismissed', groupLabel(entry));
  if (reason === 'inviter_left') {
    return entry.direction === 'incoming' ? notice(ctx, 'noticeInviterLeft', entry.inviter, groupLabel(entry)) : notice(ctx, 'noticeLeftGroup', groupLabel(entry));
  }
  return entry.direction === 'incoming' ? notice(ctx, 'noticeCancelled', peerOf(entry)) : null;
}

function groupLabel(entry: CallEntry): string {
  return entry.groupName ?? entry.groupID;
}

/** An invitee the server says accepted my active call joins its participants. */
function joinedActive(state: CallState, inviteID: string, invitee: string): CallState {
  const a = state.active;
  if (!a || a.inviteID !== inviteID) return state;
  const participants = participantsOf(a);
  return participants.includes(invitee) ? state : { ...state, active: { ...a, participants: [...participants, invitee] } };
}

const without = (calls: CallEntry[], inviteID: string) => calls.filter((c) => c.inviteID !== inviteID);
const noPrompts = (calls: CallEntry[]) => calls.filter((c) => !c.kind);

const END_NOTICE: Record<HangupReason, string | null> = {
  peer_lost: 'noticePeerLost',
  connection_failed: 'noticeConnectionFailed',
  window_closed: null,
  teacher_left: 'noticeTeacherLeft',
  transferred: 'noticeYouTransferred',
  took_another_call: null,
};

/** The calls in progress: the current one first, then those held in the background. */
export function callsInProgress(state: Pick<CallState, 'active' | 'held'>): ActiveCall[] {
  return [...(state.active ? [state.active] : []), ...(state.held ?? [])];
}

/** Whether anyone holds this call (media stops both ways). */
export function isOnHold(a: Pick<ActiveCall, 'holders'>): boolean {
  return (a.holders?.length ?? 0) > 0;
}

/** Sets who holds the call `inviteID` (current or in the background); only its participants count. */
function withHolders(state: CallState, inviteID: string, holders: readonly string[]): CallState {
  const set = (a: ActiveCall): ActiveCall => {
    const allowed = participantsOf(a);
    const next = holders.filter((u) => allowed.includes(u));
    return next.length > 0 ? { ...a, holders: next } : withoutHolders(a);
  };
  if (state.active?.inviteID === inviteID) return { ...state, active: set(state.active) };
  if (!state.held?.some((h) => h.inviteID === inviteID)) return state;
  return { ...state, held: state.held.map((h) => (h.inviteID === inviteID ? set(h) : h)) };
}

function withoutHolders(a: ActiveCall): ActiveCall {
  const { holders: _, ...rest } = a;
  return rest;
}

/**
 * A call in progress ended: the current one (a call held in the background, if any, becomes
 * current, still on hold until the user resumes it) or one in the background.
 */
function endInProgress(state: CallState, inviteID: string): CallState {
  if (state.active?.inviteID === inviteID) {
    const [next, ...rest] = state.held ?? [];
    const { held: _, ...base } = state;
    return { ...base, active: next ?? null, classroom: null, ...(rest.length > 0 ? { held: rest } : {}) };
  }
  const held = (state.held ?? []).filter((h) => h.inviteID !== inviteID);
  const { held: _, ...base } = state;
  return held.length > 0 ? { ...base, held } : base;
}

/** A class begins with the call: its teacher is the inviter (the group's owner), no hands, the floor with the teacher. */
function classOf(a: ActiveCall, teacher: string): Classroom | null {
  return a.mode === 'classroom' ? freshClassroom(a, teacher) : null;
}

/**
 * The floor given back: the teacher's `endSpeak` or a student's `lowerHand` (a lowered
 * hand leaves the list; the speaker lowering it gives the floor back to the teacher).
 */
export function releaseFloor(c: Classroom, action: 'endSpeak' | 'lowerHand', by: string): Classroom {
  if (action === 'endSpeak') return by === c.teacher && (c.speaker || c.invitedSpeaker) ? { ...c, speaker: null, invitedSpeaker: null } : c;
  if (by === c.teacher || (!c.hands.includes(by) && c.speaker !== by)) return c;
  return { ...c, hands: c.hands.filter((u) => u !== by), speaker: c.speaker === by ? null : c.speaker };
}

/**
 * Whom `me` sends `action` to, or null when it means nothing now: the teacher takes the
 * floor back from the speaker (or the student it was offered to); a student with a raised
 * hand or the floor lowers it toward the teacher.
 */
export function releaseTarget(c: Classroom | null, action: 'endSpeak' | 'lowerHand', me: string): string | null {
  if (!c) return null;
  if (action === 'endSpeak') return me === c.teacher ? (c.speaker ?? c.invitedSpeaker) : null;
  return me !== c.teacher && (c.speaker === me || c.hands.includes(me)) ? c.teacher : null;
}

/** `endSpeak` / `lowerHand` from someone else: its invitee accepts it quietly (like the seed's hang-up). */
function classroomReleased(state: CallState, inv: NewInvitationData, action: 'endSpeak' | 'lowerHand', roomID: string, ctx: Context): Result {
  const effects: CallEffect[] = inv.inviteeList.includes(ctx.me) ? [{ type: 'ack', inviteID: inv.inviteID }] : [];
  const c = state.classroom;
  if (!c || !state.active || state.active.groupID !== inv.groupID || c.roomID !== roomID) return { state, effects };
  const next = releaseFloor(c, action, inv.inviter);
  return { state: next === c ? state : { ...state, classroom: next }, effects };
}

/**
 * `handUp` from a student (the hand joins the end of the queue) or `lowerHands` from the
 * teacher (every hand goes down, and my question to raise one is withdrawn): its invitees
 * accept it quietly.
 */
function classroomHands(state: CallState, inv: NewInvitationData, action: 'handUp' | 'lowerHands', roomID: string, ctx: Context): Result {
  const effects: CallEffect[] = inv.inviteeList.includes(ctx.me) ? [{ type: 'ack', inviteID: inv.inviteID }] : [];
  const c = state.classroom;
  if (!c || !state.active || state.active.groupID !== inv.groupID || c.roomID !== roomID) return { state, effects };
  if (action === 'handUp') {
    if (inv.inviter === c.teacher || c.hands.includes(inv.inviter) || c.speaker === inv.inviter) return { state, effects };
    return { state: { ...state, classroom: { ...c, hands: [...c.hands, inv.inviter] } }, effects };
  }
  if (inv.inviter !== c.teacher) return { state, effects };
  return { state: { ...state, classroom: { ...c, hands: [] }, calls: state.calls.filter((x) => x.kind !== 'raiseHand') }, effects };
}

/** A classroom action in the class I am in (the teacher's, or a student's hand); none in a plain group call. */
function classroomInvited(state: CallState, event: Extract<CallEvent, { type: 'invited' }>, cls: ClassroomData, ctx: Context): Result {
  const { inv } = event;
  if (cls.classroom === 'endSpeak' || cls.classroom === 'lowerHand') {
    return inv.inviter === ctx.me ? { state, effects: [] } : classroomReleased(state, inv, cls.classroom, cls.roomID, ctx);
  }
  if (cls.classroom === 'handUp' || cls.classroom === 'lowerHands') {
    return inv.inviter === ctx.me ? { state, effects: [] } : classroomHands(state, inv, cls.classroom, cls.roomID, ctx);
  }
  const a = state.active;
  if (!a || !a.groupID || a.groupID !== inv.groupID || a.roomID !== cls.roomID || inv.inviter === ctx.me) return { state, effects: [] };
  // Only in a class, and only from its teacher.
  const base = state.classroom?.roomID === cls.roomID ? state.classroom : null;
  if (!base || inv.inviter !== base.teacher) return { state, effects: [] };
  const owner = event.groupOwner ?? a.groupOwner;
  let classroom: Classroom;
  if (cls.classroom === 'raiseHand') {
    classroom = base.handsInviteID === inv.inviteID ? base : { ...base, handsInviteID: inv.inviteID, hands: [] };
  } else {
    classroom = base.speakInviteID === inv.inviteID ? base : { ...base, speakInviteID: inv.inviteID, invitedSpeaker: inv.inviteeList[0] ?? null };
  }
  let calls = state.calls;
  if (inv.inviteeList.includes(ctx.me) && !calls.some((c) => c.inviteID === inv.inviteID)) {
    // A newer prompt of the same kind replaces the older one.
    const entry: CallEntry = { ...entryFromInvitation(inv, ctx, false, event.groupName, owner), kind: cls.classroom === 'raiseHand' ? 'raiseHand' : 'speak' };
    calls = [entry, ...calls.filter((c) => c.kind !== cls.classroom)];
  }
  return { state: { ...state, calls, classroom }, effects: [] };
}

function freshClassroom(a: ActiveCall, teacher: string): Classroom {
  return { groupID: a.groupID, roomID: a.roomID, teacher, handsInviteID: null, hands: [], speakInviteID: null, invitedSpeaker: null, speaker: null };
}

/** Someone accepted a classroom action: a hand is raised, or a student takes the floor. */
function classroomAccepted(c: Classroom | null, inviteID: string, invitee: string): Classroom | null {
  if (!c) return c;
  if (inviteID === c.handsInviteID && !c.hands.includes(invitee)) return { ...c, hands: [...c.hands, invitee] };
  if (inviteID === c.speakInviteID && c.speaker !== invitee) {
    return { ...c, speaker: invitee, invitedSpeaker: null, hands: c.hands.filter((u) => u !== invitee) };
  }
  return c;
}

/** A "speak" invitation that ended without an answer. */
function classroomDeclined(c: Classroom | null, inviteID: string): Classroom | null {
  return c && inviteID === c.speakInviteID && c.invitedSpeaker ? { ...c, invitedSpeaker: null } : c;
}

/** A call's duration in whole seconds from its start to `now`: what the end-of-call marker carries. */
export function callSeconds(active: Pick<ActiveCall, 'startedAt'>, now: number): number {
  return Math.max(0, Math.round((now - active.startedAt) / 1000));
}

/** Applies one event. Unknown invitations are ignored: events can arrive after we forgot one. */
export function transition(state: CallState, event: CallEvent, ctx: Context): Result {
  const find = (id: string) => state.calls.find((c) => c.inviteID === id);
  switch (event.type) {
    case 'invited': {
      const { inv } = event;
      const cls = decodeClassroom(inv.data);
      if (cls) return classroomInvited(state, event, cls, ctx); // heard by every member, not only invitees
      if (inv.inviter === ctx.me || !inv.inviteeList.includes(ctx.me)) return { state, effects: [] };
      const end = decodeCallEnd(inv.data);
      if (end) {
        // The seed's hang-up: a new invitation marking end-of-call. Never rings.
        const effects: CallEffect[] = [{ type: 'ack', inviteID: inv.inviteID }];
        // Counts only from a participant of the call (the server's `inviter` is authenticated).
        const inProgress = callsInProgress(state).filter((c) => participantsOf(c).includes(inv.inviter));
        const a = inProgress.find((c) => c.inviteID === end.callInviteID) ?? inProgress.find((c) => !c.groupID && (c.peer === inv.inviter || isAdHoc(c)));
        if (a && isAdHoc(a)) {
          // A call of several made from a 1:1 call: one person leaving ends it only when I am left alone.
          const participants = participantsOf(a).filter((u) => u !== inv.inviter);
          if (participants.some((u) => u !== ctx.me)) {
            const left = { ...a, participants };
            const next = state.active?.inviteID === a.inviteID ? { ...state, active: left } : { ...state, held: (state.held ?? []).map((h) => (h.inviteID === a.inviteID ? left : h)) };
            return { state: { ...next, notice: notice(ctx, 'noticeLeftCall', inv.inviter) }, effects };
          }
        }
        if (a) {
          if (end.reason === 'transferred' && !a.groupID) {
            // The other party handed me on (transferCall): the server now rings the target in my name.
            const lastEnded = { inviteID: a.inviteID, seconds: end.callEnd };
            const current = a.inviteID === state.active?.inviteID;
            const next = endInProgress(state, a.inviteID);
            return {
              state: { ...next, ...(current ? { calls: noPrompts(state.calls) } : {}), notice: notice(ctx, 'noticeTransferring', inv.inviter), lastEnded },
              effects: [...effects, { type: 'refreshPending' }],
            };
          }
          const teacher = state.classroom?.roomID === a.roomID && state.classroom.teacher === inv.inviter;
          const key = teacher
            ? end.reason === CLASS_ENDED ? 'noticeClassEnded' : 'noticeTeacherLeft'
            : end.reason === 'peer_lost' || end.reason === 'connection_failed' ? 'noticePeerLost'
              : end.reason === 'took_another_call' ? 'noticeTookAnotherCall' : 'noticeHungUp';
          const lastEnded = { inviteID: a.inviteID, seconds: end.callEnd };
          const current = a.inviteID === state.active?.inviteID;
          const next = endInProgress(state, a.inviteID);
          return { state: { ...next, ...(current ? { calls: noPrompts(state.calls) } : {}), notice: notice(ctx, key, inv.inviter), lastEnded }, effects };
        }
        if (end.reason === 'transferred' && !a && state.lastEnded?.inviteID === end.callInviteID) {
          // My window ended the call a moment before the transfer marker arrived: still follow the transfer.
          return { state: { ...state, notice: notice(ctx, 'noticeTransferring', inv.inviter) }, effects: [...effects, { type: 'refreshPending' }] };
        }
        return { state, effects };
      }
      if (find(inv.inviteID)) return { state, effects: [] }; // re-announced: already ringing
      if (ctx.settings.doNotDisturb) {
        return { state, effects: [{ type: 'autoReject', inviteID: inv.inviteID, data: encodeBusy('do_not_disturb') }] };
      }
      if (state.active && ctx.settings.whileInCall === 'busy') {
        return { state, effects: [{ type: 'autoReject', inviteID: inv.inviteID, data: encodeBusy('in_call') }] };
      }
      // Call waiting shows quietly over the call; 'ring' lets it ring as usual.
      const entry = entryFromInvitation(inv, ctx, state.active !== null && ctx.settings.whileInCall === 'waiting', event.groupName, event.groupOwner, event.atLogin);
      // A notice is about one event: a new call ringing replaces it.
      return { state: { ...state, calls: [entry, ...state.calls], notice: null }, effects: [] };
    }
    case 'dialled': {
      const entry = entryFromInvitation(event.inv, ctx, false, event.groupName, event.groupOwner);
      const n = event.offline && !entry.groupID ? notice(ctx, 'noticeDialOffline', peerOf(entry)) : null;
      return { state: { ...state, calls: [entry, ...without(state.calls, entry.inviteID)], notice: n }, effects: [] };
    }
    case 'muted':
      if (!state.active || (state.active.muted ?? false) === event.muted) return { state, effects: [] };
      return { state: { ...state, active: { ...state.active, muted: event.muted } }, effects: [] };
    case 'accepted': {
      const classroom = classroomAccepted(state.classroom, event.inviteID, event.invitee);
      if (classroom !== state.classroom) state = { ...state, classroom };
      state = joinedActive(state, event.inviteID, event.invitee);
      const entry = find(event.inviteID);
      if (!entry) return { state, effects: [] };
      if (entry.kind) {
        // My classroom prompt, answered on another device.
        return { state: event.invitee === ctx.me ? { ...state, calls: without(state.calls, entry.inviteID) } : state, effects: [] };
      }
      if (entry.direction === 'incoming') {
        if (event.invitee !== ctx.me) {
          // Another group invitee: remembered, so the room admits them once I accept too.
          if (entry.accepted?.includes(event.invitee)) return { state, effects: [] };
          const accepted = [...(entry.accepted ?? []), event.invitee];
          return { state: { ...state, calls: state.calls.map((c) => (c === entry ? { ...c, accepted } : c)) }, effects: [] };
        }
        return {
          state: { ...state, calls: without(state.calls, entry.inviteID), notice: notice(ctx, 'noticeAnsweredElsewhere') },
          effects: [],
        };
      }
      if (entry.join?.kind === 'add' && state.active && !state.active.groupID) {
        // Someone I added to my call answered: they join its room; the call is one of several now.
        const a = state.active;
        const participants = [...new Set([...participantsOf(a), event.invitee])];
        return { state: { ...state, calls: without(state.calls, entry.inviteID), active: { ...a, participants, adHoc: true }, notice: notice(ctx, 'noticeJoinedCall', event.invitee) }, effects: [] };
      }
      // My call was answered (or the target of my transfer answered): it becomes the active call (a class I teach).
      const active = activeFrom(entry, ctx, [ctx.me, event.invitee]);
      return {
        state: {
          ...state,
          calls: noPrompts(without(state.calls, entry.inviteID)),
          active,
          classroom: classOf(active, ctx.me),
          notice: null,
        },
        effects: [{ type: 'openCallPage' }],
      };
    }
    case 'rejected': {
      const classroom = classroomDeclined(state.classroom, event.inviteID);
      if (classroom !== state.classroom) state = { ...state, classroom };
      const entry = find(event.inviteID);
      if (!entry) return { state, effects: [] };
      if (entry.kind) return { state: event.invitee === ctx.me ? { ...state, calls: without(state.calls, entry.inviteID) } : state, effects: [] };
      const leftGroup = event.reason === 'left_group';
      if (entry.direction === 'incoming') {
        if (event.invitee !== ctx.me) return { state, effects: [] };
        // My part ended: rejected on another device, or I left (or was removed from) the group.
        const n = leftGroup ? notice(ctx, 'noticeLeftGroup', groupLabel(entry)) : notice(ctx, 'noticeRejectedElsewhere');
        return { state: { ...state, calls: without(state.calls, entry.inviteID), notice: n }, effects: [] };
      }
      const pending = entry.pending.filter((u) => u !== event.invitee);
      const key = leftGroup ? 'noticeInviteeLeft' : entry.join?.kind === 'transfer' ? 'noticeTransferDeclined' : isBusy(event.data) ? 'noticeBusy' : 'noticeRejected';
      const n = entry.join?.kind === 'transfer' ? notice(ctx, key, event.invitee, entry.join.by) : notice(ctx, key, event.invitee);
      if (pending.length > 0) {
        return { state: { ...state, calls: state.calls.map((c) => (c === entry ? { ...c, pending } : c)), notice: n }, effects: [] };
      }
      return { state: { ...state, calls: without(state.calls, entry.inviteID), notice: n }, effects: [] };
    }
    case 'cancelled': {
      const classroom = classroomDeclined(state.classroom, event.inviteID);
      if (classroom !== state.classroom) state = { ...state, classroom };
      const entry = find(event.inviteID);
      if (!entry) return { state, effects: [] };
      if (entry.kind) return { state: { ...state, calls: without(state.calls, entry.inviteID) }, effects: [] };
      return { state: { ...state, calls: without(state.calls, entry.inviteID), notice: cancelNotice(entry, event.reason, ctx) }, effects: [] };
    }
    case 'timeout': {
      const classroom = classroomDeclined(state.classroom, event.inviteID);
      if (classroom !== state.classroom) state = { ...state, classroom };
      const entry = find(event.inviteID);
      if (!entry) return { state, effects: [] };
      if (entry.kind) {
        // An unanswered classroom prompt is not a missed call.
        return { state: event.inviteeList.includes(ctx.me) ? { ...state, calls: without(state.calls, entry.inviteID) } : state, effects: [] };
      }
      if (entry.direction === 'incoming') {
        if (!event.inviteeList.includes(ctx.me)) return { state, effects: [] };
        return {
          state: { ...state, calls: without(state.calls, entry.inviteID), missed: state.missed + 1, notice: notice(ctx, 'missedCallFrom', peerOf(entry)) },
          effects: [{ type: 'missedNotification', entry }],
        };
      }
      const pending = entry.pending.filter((u) => !event.inviteeList.includes(u));
      if (pending.length > 0) {
        return { state: { ...state, calls: state.calls.map((c) => (c === entry ? { ...c, pending } : c)) }, effects: [] };
      }
      const n = entry.join?.kind === 'transfer' ? notice(ctx, 'noticeTransferNoAnswer', peerOf(entry), entry.join.by) : notice(ctx, 'noticeNoAnswer', peerOf(entry));
      return { state: { ...state, calls: without(state.calls, entry.inviteID), notice: n }, effects: [] };
    }
    case 'localAccepted': {
      const entry = find(event.inviteID);
      if (!entry) return { state, effects: [] };
      if (entry.kind) {
        const classroom = classroomAccepted(state.classroom, entry.inviteID, ctx.me);
        return { state: { ...state, calls: without(state.calls, entry.inviteID), classroom }, effects: [] };
      }
      const participants = [entry.inviter, ...(entry.join?.kind === 'add' ? entry.join.parties : []), ...(entry.accepted ?? []), ctx.me];
      const active = activeFrom(entry, ctx, participants);
      // A call still in progress (Hold and accept) goes on hold in the background.
      const held = [...(state.active ? [state.active] : []), ...(state.held ?? [])];
      return {
        state: {
          ...state,
          calls: noPrompts(without(state.calls, entry.inviteID)),
          active,
          ...(held.length > 0 ? { held } : {}),
          classroom: classOf(active, entry.inviter),
          notice: null,
        },
        effects: [{ type: 'openCallPage' }],
      };
    }
    case 'modified': {
      if (!callsInProgress(state).some((c) => c.inviteID === event.inviteID)) return { state, effects: [] };
      return { state: withHolders(state, event.inviteID, decodeHold(event.data)), effects: [] };
    }
    case 'holdSet':
      return { state: withHolders(state, event.inviteID, event.holders), effects: [] };
    case 'switched': {
      const target = state.held?.find((h) => h.inviteID === event.inviteID);
      if (!target) return { state, effects: [] };
      const rest = (state.held ?? []).filter((h) => h !== target);
      const held = [...(state.active ? [state.active] : []), ...rest];
      const { held: _, ...base } = state;
      return { state: { ...base, active: target, classroom: null, ...(held.length > 0 ? { held } : {}) }, effects: [{ type: 'openCallPage' }] };
    }
    case 'silenced': {
      const entry = find(event.inviteID);
      if (!entry || entry.direction !== 'incoming' || entry.silenced) return { state, effects: [] };
      const calls = state.calls.map((c) => (c === entry ? { ...c, silenced: true } : c));
      return { state: { ...state, calls }, effects: [] };
    }
    case 'localRejected':
    case 'localCancelled':
      return { state: { ...state, calls: without(state.calls, event.inviteID) }, effects: [] };
    case 'ended': {
      const key = event.reason ? END_NOTICE[event.reason] : null;
      const a = event.inviteID ? callsInProgress(state).find((c) => c.inviteID === event.inviteID) : state.active;
      if (!a) return { state, effects: [] };
      const current = a.inviteID === state.active?.inviteID;
      const who = event.reason === 'teacher_left' && state.classroom ? state.classroom.teacher : (a.groupName ?? a.peer);
      const n = key ? notice(ctx, key, who, ...(event.to ? [event.to] : [])) : state.notice;
      const lastEnded = { inviteID: a.inviteID, seconds: event.seconds ?? callSeconds(a, ctx.now) };
      const next = endInProgress(state, a.inviteID);
      return { state: { ...next, ...(current ? { calls: noPrompts(state.calls) } : {}), notice: n, lastEnded }, effects: [] };
    }
    case 'joined': {
      const a = state.active;
      if (!a || a.groupID) return { state, effects: [] };
      const fresh = event.userIDs.filter((u) => !participantsOf(a).includes(u));
      if (fresh.length === 0) return { state, effects: [] };
      return { state: { ...state, active: { ...a, participants: [...participantsOf(a), ...fresh], adHoc: true }, notice: notice(ctx, 'noticeJoinedCall', fresh.join(', ')) }, effects: [] };
    }
    case 'classroomSent': {
      const a = state.active;
      if (!a || !a.groupID) return { state, effects: [] };
      const c = state.classroom?.roomID === a.roomID ? state.classroom : null;
      if (!c) return { state, effects: [] }; // a plain group call has no classroom
      if (event.action === 'endSpeak' || event.action === 'lowerHand') return { state: { ...state, classroom: releaseFloor(c, event.action, ctx.me) }, effects: [] };
      if (event.action === 'handUp') return { state: c.hands.includes(ctx.me) ? state : { ...state, classroom: { ...c, hands: [...c.hands, ctx.me] } }, effects: [] };
      if (event.action === 'lowerHands') return { state: { ...state, classroom: { ...c, hands: [] } }, effects: [] };
      const base = c;
      const classroom: Classroom =
        event.action === 'raiseHand'
          ? { ...base, handsInviteID: event.inviteID, hands: [] }
          : { ...base, speakInviteID: event.inviteID, invitedSpeaker: event.invitees[0] ?? null };
      return { state: { ...state, classroom }, effects: [] };
    }
    case 'reconciled':
      return reconcile(state, event.pending, event.endings, ctx);
    case 'missedSeen':
      return { state: { ...state, missed: 0 }, effects: [] };
    case 'noticeDismissed':
      return { state: { ...state, notice: null }, effects: [] };
  }
}

/**
 * After (re)login: the server's pending list is the truth. Entries it no longer lists
 * ended while we were away (a timed-out incoming one counts as missed); entries it lists
 * that we lack are added. Entries we already had keep their identity, so nothing rings
 * or notifies a second time.
 */
function reconcile(state: CallState, pending: PendingInvitation[], endings: Record<string, Ending>, ctx: Context): Result {
  const effects: CallEffect[] = [];
  const open = new Set(pending.map((p) => p.inviteID));
  let missed = state.missed;
  const kept: CallEntry[] = [];
  for (const c of state.calls) {
    if (open.has(c.inviteID)) kept.push(c);
    else if (c.direction === 'incoming' && !c.kind && endings[c.inviteID] === 'timeout') {
      missed += 1;
      effects.push({ type: 'missedNotification', entry: c });
    }
  }
  let next: CallState = { ...state, calls: kept, missed };
  const known = new Set(kept.map((c) => c.inviteID));
  for (const inv of [...pending].reverse()) {
    if (known.has(inv.inviteID)) continue;
    if (inv.inviter === ctx.me) {
      if (decodeCallEnd(inv.data) || decodeClassroom(inv.data)) continue; // my own hang-up marker or classroom action, not a call
      next = { ...next, calls: [entryFromInvitation(inv, ctx, false), ...next.calls] };
      continue;
    }
    const r = transition(next, { type: 'invited', inv, atLogin: true }, ctx);
    next = r.state;
    effects.push(...r.effects);
  }
  next.calls.sort((a, b) => b.receivedAt - a.receivedAt);
  return { state: next, effects };
}

/** Incoming invitations that should ring (not call-waiting ones), newest first. */
export function ringingCalls(state: CallState): CallEntry[] {
  return state.calls.filter((c) => c.direction === 'incoming' && !c.waiting && !c.kind);
}

/** Ringing calls whose ringtone is still wanted (not silenced). */
export function audibleCalls(state: CallState): CallEntry[] {
  return ringingCalls(state).filter((c) => !c.silenced);
}

export function incomingCalls(state: CallState): CallEntry[] {
  return state.calls.filter((c) => c.direction === 'incoming');
}

export function outgoingCalls(state: CallState): CallEntry[] {
  return state.calls.filter((c) => c.direction === 'outgoing');
}
