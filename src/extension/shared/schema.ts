/**
 * The one message vocabulary between the extension's contexts. Every context validates
 * what it receives against these schemas (zod/mini keeps the content script small) and
 * rejects anything else with a stated error. Types are inferred from the schemas, so the
 * TypeScript view and the runtime check cannot drift apart.
 */
import { z } from 'zod/mini';
import { CALL_TYPES, callJoinSchema } from '../../protocol/call-data.ts';
import { idSchema, offlinePushInfoSchema } from '../../protocol/fields.ts';
import { GROUP_TYPES, type Group, type GroupInvitation, type GroupMember } from '../../protocol/im.ts';
import { LIMITS } from '../../protocol/limits.ts';
import { PRESENCE_STATES } from '../../protocol/presence.ts';
import { invitationSchema } from '../../protocol/signaling.ts';
import { BADGE_VIEW_KEY, WAKE_ON_PAGE_LOAD_KEY, WAKE_PORT } from './keys.ts';

export { BADGE_VIEW_KEY, WAKE_ON_PAGE_LOAD_KEY, WAKE_PORT };

const Text = z.string().check(z.maxLength(8192));

export const CallType = z.enum(CALL_TYPES);
export type CallType = z.infer<typeof CallType>;
const Direction = z.enum(['incoming', 'outgoing']);

export const Settings = z.object({
  ringtone: z.boolean(),
  /** 0..1 */
  volume: z.number().check(z.gte(0), z.lte(1)),
  doNotDisturb: z.boolean(),
  /**
   * What a new invitation does while I am in a call: `busy` rejects it as busy, `waiting`
   * shows it quietly over the call (call waiting), `ring` lets it ring as usual (ringtone,
   * notification); the last two offer Hold and accept / End and accept / Decline.
   */
  whileInCall: z.enum(['busy', 'waiting', 'ring']),
  notifications: z.boolean(),
  missedCallNotifications: z.boolean(),
  language: z.enum(['auto', 'en', 'zh_CN']),
  micGranted: z.boolean(),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  ringtone: true,
  volume: 0.8,
  doNotDisturb: false,
  whileInCall: 'busy',
  notifications: true,
  missedCallNotifications: true,
  language: 'auto',
  micGranted: false,
};

/** What every call record of the worker says: its invitation, which way it went, its media. */
const CallRef = z.extend(z.pick(invitationSchema, { inviteID: true, groupID: true }), {
  direction: Direction,
  callType: CallType,
});

/** A call that rings or is under way: a call record with its room and group. */
const LiveCall = z.extend(CallRef, {
  /** This invitation joins a running call: a transfer by `by`, or `by` adding me (the server wrote it). */
  join: z.optional(callJoinSchema),
  roomID: z.string(),
  groupName: z.optional(z.string()),
  /** The group's owner (the teacher of classroom mode), when known. */
  groupOwner: z.optional(z.string()),
  /** A class (the teacher chose "Start a class"): the call's invitation said `mode: 'classroom'`. */
  mode: z.optional(z.literal('classroom')),
});

/** One ringing (incoming) or dialling (outgoing) invitation, as the worker keeps it. */
export const CallEntry = z.extend(LiveCall, {
  ...z.pick(invitationSchema, { inviter: true, inviteeList: true }).shape,
  /** Absent for a call; a classroom prompt otherwise (it never rings and never becomes a call). */
  kind: z.optional(z.enum(['raiseHand', 'speak'])),
  /** Outgoing group calls: invitees whose part is still pending. */
  pending: z.array(z.string()),
  /** Local epoch ms when the server's deadline passes; 0 = never. */
  deadline: z.number(),
  receivedAt: z.number(),
  /** Checked when a stored entry is read back: what the server accepted. */
  offlinePushInfo: z.optional(offlinePushInfoSchema),
  /** Delivered while this device logged in (it was away when the call started): the offline-push case. */
  atLogin: z.optional(z.boolean()),
  /** Group calls: invitees the server said accepted (INVITEE_ACCEPTED), in order. */
  accepted: z.optional(z.array(z.string())),
  /** Received while in a call with whileInCall = 'waiting'. */
  waiting: z.boolean(),
  /** Incoming: "Silence" was pressed (the ringtone stops; it still rings visually). */
  silenced: z.optional(z.boolean()),
});
export type CallEntry = z.infer<typeof CallEntry>;

export const ActiveCall = z.extend(LiveCall, {
  /** The other side: a user ID for 1:1, the inviter or group for group calls. */
  peer: z.string(),
  startedAt: z.number(),
  /**
   * Who may be in the call's room, as the server told us: the inviter and every invitee
   * whose INVITEE_ACCEPTED we heard (me included). The room admits no one else, and only
   * they can end the call.
   */
  participants: z.optional(z.array(z.string())),
  /**
   * A call of more than two made from a 1:1 call (addToCall): no group; its media messages go
   * person to person (C2C), and one person leaving does not end it for the others.
   */
  adHoc: z.optional(z.boolean()),
  /** My microphone is off (the popup's or the call window's mute; the call window applies it). */
  muted: z.optional(z.boolean()),
  /**
   * Who holds the call now (me, the peer, or both), as the call's invitation data says
   * (modifyInvitation; docs/CALLS.md "Hold"): media flows only while nobody does.
   */
  holders: z.optional(z.array(z.string())),
});
export type ActiveCall = z.infer<typeof ActiveCall>;

/** Classroom mode of the active group call, as every participant's worker follows it. */
export const Classroom = z.object({
  groupID: z.string(),
  roomID: z.string(),
  teacher: z.string(),
  /** The latest "raise hand" invitation and who accepted it (raised a hand), in order. */
  handsInviteID: z.nullable(z.string()),
  hands: z.array(z.string()),
  /** The latest "speak" invitation, the student it asks, and who has the floor. */
  speakInviteID: z.nullable(z.string()),
  invitedSpeaker: z.nullable(z.string()),
  speaker: z.nullable(z.string()),
});
export type Classroom = z.infer<typeof Classroom>;

/** Why the call window ended a call (sent in the end-of-call data and shown as a notice). */
export const HangupReason = z.enum(['peer_lost', 'connection_failed', 'window_closed', 'teacher_left', 'transferred', 'took_another_call']);
export type HangupReason = z.infer<typeof HangupReason>;

export const Connection = z.enum(['signedOut', 'connecting', 'online', 'offline', 'expired']);
export type Connection = z.infer<typeof Connection>;

/** A short-lived line the views show ("Bob is busy", "Answered on another device"). */
export const Notice = z.object({
  key: z.string(),
  subs: z.array(z.string()),
  at: z.number(),
});
export type Notice = z.infer<typeof Notice>;

/** The worker's call state (background/calls.ts reduces it; the vault keeps it). */
export const CallState = z.object({
  /** Ringing (incoming) and dialling (outgoing) invitations, newest first. */
  calls: z.array(CallEntry),
  active: z.nullable(ActiveCall),
  /**
   * Other calls in progress, which I put on hold to take or resume another (newest first).
   * Their media sessions stay open in the call window, sending and playing nothing.
   */
  held: z.optional(z.array(ActiveCall)),
  /** Classroom mode of the active group call (hands raised, who has the floor). */
  classroom: z.nullable(Classroom),
  /** Missed calls not yet seen in the popup. */
  missed: z.number(),
  notice: z.nullable(Notice),
  /**
   * How long the last call lasted, in whole seconds, as its end-of-call marker says (the one
   * I sent, or the peer's): the call window's "Duration" and the call log show this number.
   */
  lastEnded: z.optional(z.object({ inviteID: z.string(), seconds: z.number() })),
});
export type CallState = z.infer<typeof CallState>;

/** What the views show of a person's presence (protocol/presence.ts `presenceOf`). */
const Presence = z.enum(PRESENCE_STATES);
/** People whose presence a view may ask the worker to follow at once (`presence/watch`). */
export const MAX_WATCHED = 100;

/** Everything a live view renders: the call state with the calls split by direction, and the session. */
export const ViewState = z.extend(z.omit(CallState, { calls: true }), {
  /** The presence of the people the views asked about (`presence/watch`), as the server last said. */
  presence: z.optional(z.record(z.string(), Presence)),
  connection: Connection,
  server: z.string(),
  userID: z.nullable(z.string()),
  incoming: z.array(CallEntry),
  outgoing: z.array(CallEntry),
  settings: Settings,
});
export type ViewState = z.infer<typeof ViewState>;

const inviteRef = { inviteID: z.string().check(z.minLength(1), z.maxLength(128)) };

/** Requests a view (popup, options, call page, content badge) sends to the worker. */
export const Request = z.discriminatedUnion('type', [
  z.object({ type: z.literal('state/get') }),
  z.object({
    type: z.literal('account/signIn'),
    server: z.string().check(z.regex(/^wss?:\/\/[^\s]+$/)),
    userID: idSchema,
    password: z.string().check(z.minLength(1), z.maxLength(256)),
    create: z.boolean(),
  }),
  z.object({ type: z.literal('account/signOut') }),
  z.object({ type: z.literal('settings/set'), patch: z.partial(Settings) }),
  z.object({ type: z.literal('call/dial'), userID: idSchema, callType: CallType }),
  z.object({
    type: z.literal('call/dialGroup'),
    groupID: idSchema,
    inviteeList: z.array(idSchema).check(z.minLength(1), z.maxLength(100)),
    callType: CallType,
    /** Start as a classroom (group owner only; the call runs on the SFU when the server has one). */
    classroom: z.optional(z.boolean()),
  }),
  /** Whether the signed-in server forwards group media through an SFU (calls beyond the mesh of 6). */
  z.object({ type: z.literal('server/hasSfu') }),
  /**
   * Accept a ringing call. While another call is in progress: `then: 'hold'` holds it
   * (the default: a call is never ended without the user choosing it), `'end'` hangs it up
   * (its peer is told I took another call).
   */
  z.object({ type: z.literal('call/accept'), ...inviteRef, then: z.optional(z.enum(['hold', 'end'])) }),
  /** Hold (`on`) or resume a call in progress; resuming a call held in the background holds the current one (switch). */
  z.object({ type: z.literal('call/hold'), ...inviteRef, on: z.boolean() }),
  /** The page badge where it cannot tell whether it is visible (Firefox): confirm in an extension window. */
  z.object({ type: z.literal('call/confirm'), ...inviteRef }),
  z.object({ type: z.literal('call/reject'), ...inviteRef }),
  z.object({ type: z.literal('call/cancel'), ...inviteRef }),
  /** Stop the ringtone for this invitation; it keeps ringing visually (page badge, popup). */
  z.object({ type: z.literal('call/silence'), ...inviteRef }),
  /** Turn my microphone off (true) or on in the call in progress; the call window applies it. */
  z.object({ type: z.literal('call/mute'), muted: z.boolean() }),
  /** Follow these people's presence (the popup's contacts, log and suggestions): it shows in ViewState.presence. */
  z.object({ type: z.literal('presence/watch'), userIDList: z.array(idSchema).check(z.maxLength(MAX_WATCHED)) }),
  z.object({ type: z.literal('call/hangup'), reason: z.optional(HangupReason), inviteID: z.optional(inviteRef.inviteID) }),
  /** Blind transfer of the active 1:1 call (transferCall): the other party rings `userID`; I leave at once. */
  z.object({ type: z.literal('call/transfer'), userID: idSchema }),
  /** Add `userID` to the active 1:1 call (addToCall): it rings them into this call's room. */
  z.object({ type: z.literal('call/add'), userID: idSchema }),
  /** The call window's room admitted people another participant added (their `admit` message). */
  z.object({ type: z.literal('call/joined'), userIDList: z.array(idSchema).check(z.minLength(1), z.maxLength(6)) }),
  /** Classroom mode (the teacher of a class): ask the listed students to raise hands. */
  z.object({ type: z.literal('classroom/raiseHands'), inviteeList: z.array(idSchema).check(z.minLength(1), z.maxLength(100)) }),
  /** Classroom mode: give the floor to a student (a "speak" invitation). */
  z.object({ type: z.literal('classroom/pick'), userID: idSchema }),
  /** Classroom mode: a student lowers the hand (the speaker gives the floor back to the teacher). */
  z.object({ type: z.literal('classroom/lowerHand') }),
  /** Classroom mode: the teacher takes the floor back from the speaker. */
  z.object({ type: z.literal('classroom/endSpeak') }),
  /** Classroom mode: a student raises a hand (answering the teacher's question, or unasked). */
  z.object({ type: z.literal('classroom/raiseHand') }),
  /** Classroom mode: the teacher lowers every raised hand. */
  z.object({ type: z.literal('classroom/lowerHands') }),
  z.object({ type: z.literal('groups/list') }),
  z.object({ type: z.literal('groups/members'), groupID: idSchema }),
  /** Group management from the popup (ui/popup/groups): the SDK's group ops, checked again by the server. */
  z.object({
    type: z.literal('groups/create'),
    name: z.string().check(z.minLength(1), z.maxLength(LIMITS.groupNameMaxLength)),
    groupType: z.enum(GROUP_TYPES),
    memberList: z.array(idSchema).check(z.maxLength(100)),
  }),
  z.object({ type: z.literal('groups/join'), groupID: idSchema }),
  /** Every member with the role (mine included). */
  z.object({ type: z.literal('groups/roster'), groupID: idSchema }),
  z.object({ type: z.literal('groups/add'), groupID: idSchema, userIDList: z.array(idSchema).check(z.minLength(1), z.maxLength(100)) }),
  z.object({ type: z.literal('groups/remove'), groupID: idSchema, userIDList: z.array(idSchema).check(z.minLength(1), z.maxLength(100)) }),
  z.object({ type: z.literal('groups/leave'), groupID: idSchema }),
  z.object({ type: z.literal('groups/dismiss'), groupID: idSchema }),
  z.object({ type: z.literal('history/get') }),
  z.object({ type: z.literal('history/seen') }),
  z.object({ type: z.literal('notice/dismiss') }),
  // Contacts, blocks and group consent (features/trust.ts): each answers the list it changed.
  z.object({ type: z.literal('trust/lists') }),
  z.object({ type: z.literal('trust/block'), userID: idSchema }),
  z.object({ type: z.literal('trust/unblock'), userID: idSchema }),
  z.object({ type: z.literal('trust/addContact'), userID: idSchema }),
  z.object({ type: z.literal('trust/removeContact'), userID: idSchema }),
  z.object({ type: z.literal('groupInvites/list') }),
  z.object({ type: z.literal('groupInvites/accept'), groupID: idSchema }),
  z.object({ type: z.literal('groupInvites/decline'), groupID: idSchema }),
]);
export type Request = z.infer<typeof Request>;
export type RequestType = Request['type'];
type RequestMap = { [R in Request as R['type']]: R };
/** The request of one type, e.g. `RequestOf<'call/dial'>`. */
export type RequestOf<K extends RequestType> = RequestMap[K];

/** Only request types may be keys (a misspelt one does not compile). */
type OfRequests<T extends { [K in keyof T]: K extends RequestType ? unknown : never }> = T;

/** What the worker answers to each request (the view's `ViewState` unless it asks for data). */
type ResultData = OfRequests<{
  'groups/list': Group[];
  /** Member IDs other than mine. */
  'groups/members': string[];
  'history/get': HistoryRecord[];
  'server/hasSfu': boolean;
  'trust/lists': TrustLists;
  'trust/block': TrustLists;
  'trust/unblock': TrustLists;
  'trust/addContact': TrustLists;
  'trust/removeContact': TrustLists;
  'groupInvites/list': GroupInvitation[];
  'groupInvites/accept': GroupInvitation[];
  'groupInvites/decline': GroupInvitation[];
  'groups/create': Group;
  'groups/join': Group;
  'groups/roster': GroupMember[];
  /** Who the server took in now, and who was already a member. */
  'groups/add': { added: string[]; existed: string[] };
  'groups/remove': string[];
  /** My groups after leaving or dismissing. */
  'groups/leave': Group[];
  'groups/dismiss': Group[];
}>;

/** My contacts and the users I block, as the server keeps them. */
export interface TrustLists {
  contacts: string[];
  blocked: string[];
}

/**
 * The result type of every request: the worker's handler table (background/registry.ts)
 * and the views' `request()` (messaging/client.ts) are both typed from it, so a handler
 * that answers another shape, or a view that reads one, does not compile.
 */
export type RequestResults = { [K in RequestType]: K extends keyof ResultData ? ResultData[K] : ViewState };

/** The only requests a content script (a web page's tab) may make. */
export const CONTENT_SCRIPT_REQUESTS: ReadonlySet<RequestType> = new Set([
  'call/confirm',
  'call/accept',
  'call/reject',
  'call/cancel',
  'call/silence',
]);

/** One call of the history, read back from signaling messages (background/history.ts). */
export const HistoryRecord = z.extend(CallRef, {
  peer: z.string(),
  outcome: z.enum(['answered', 'rejected', 'busy', 'missed', 'cancelled', 'pending']),
  /** Seconds; only for finished answered calls (a group call: my own time in it). */
  duration: z.optional(z.number()),
  time: z.number(),
  /** A group call: the group's name, when known. */
  groupName: z.optional(z.string()),
  /** A group call: who joined it (the inviter and every invitee who accepted), in order. */
  joined: z.optional(z.array(z.string())),
});
export type HistoryRecord = z.infer<typeof HistoryRecord>;

/** A failed request as a view receives it: the worker's code and a sentence already translated (background/errors.ts). */
const Failure = z.object({ code: z.union([z.string(), z.number()]), message: Text });
export type Failure = z.infer<typeof Failure>;

/** The worker's answer to every request. */
export const Response = z.union([
  z.object({ ok: z.literal(true), result: z.optional(z.unknown()) }),
  z.object({ ok: z.literal(false), error: Failure }),
]);
export type Response = z.infer<typeof Response>;

/** What the worker pushes over a view's port. */
export const PortMessage = z.object({ type: z.literal('state'), state: ViewState });
export type PortMessage = z.infer<typeof PortMessage>;

/** Port name of live views. */
export const VIEW_PORT = 'ringlet-view';

/**
 * Port a web page's content script opens when the page loads, to wake a stopped worker
 * (it carries no message; the worker only makes sure its SDK session exists). Opened only
 * while the worker has set `WAKE_ON_PAGE_LOAD_KEY` in `storage.local` (signed in).
 */
// WAKE_PORT and WAKE_ON_PAGE_LOAD_KEY: keys.ts (the content script imports no zod).

/**
 * What the content badge renders, written by the worker to `storage.local` with every
 * label already translated: the content script stays tiny (no i18n, no state logic) and
 * learns of changes from `storage.onChanged` without waking the worker.
 */
export const BadgeView = z.object({
  items: z.array(
    z.object({
      inviteID: z.string(),
      /** The app's name, so a person knows who shows this on the page. */
      app: z.optional(z.string()),
      text: z.string(),
      /** A call (not a classroom prompt): its type, shown with an icon and as words. */
      callType: z.optional(CallType),
      callTypeLabel: z.optional(z.string()),
      /** "Silence" answers without arming (it only stops the ringtone); the others only once armed. */
      buttons: z.array(z.object({ action: z.enum(['accept', 'reject', 'cancel', 'silence']), label: z.string() })),
    }),
  ),
  /** Lines the badge shows after a click: refused (covered, just appeared or moved), or sent to a confirmation window. */
  hints: z.optional(z.object({ covered: z.string(), confirming: z.string() })),
});
export type BadgeView = z.infer<typeof BadgeView>;
export type BadgeItem = BadgeView['items'][number];
export type BadgeAction = BadgeItem['buttons'][number]['action'];

/** Worker → offscreen document (Chrome) for the ringtone. */
export const OffscreenCommand = z.discriminatedUnion('type', [
  z.object({ target: z.literal('offscreen'), type: z.literal('ring/start'), volume: z.number().check(z.gte(0), z.lte(1)) }),
  z.object({ target: z.literal('offscreen'), type: z.literal('ring/stop') }),
]);
export type OffscreenCommand = z.infer<typeof OffscreenCommand>;

/** Human-readable summary of why a message failed validation. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
