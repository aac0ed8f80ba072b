/**
 * Signaling vocabulary with the seed's names: event names, action types and the
 * TSignaling JSON that history messages carry.
 */

/** Event names of the signaling listener API (values as in the published SDK). */
export const TSignaling = {
  NEW_INVITATION_RECEIVED: 'newInvitationReceived',
  INVITEE_ACCEPTED: 'ts_invitee_accepted',
  INVITEE_REJECTED: 'ts_invitee_rejected',
  INVITATION_CANCELLED: 'ts_invitation_cancelled',
  INVITATION_TIMEOUT: 'ts_invitation_timeout',
} as const;
export type SignalingEventName = (typeof TSignaling)[keyof typeof TSignaling];

const EVENT_NAMES: ReadonlySet<string> = new Set(Object.values(TSignaling));
export function isSignalingEventName(name: string): name is SignalingEventName {
  return EVENT_NAMES.has(name);
}

/** `actionType` of the TSignaling JSON. */
export const ActionType = {
  INVITE: 1,
  CANCEL: 2,
  ACCEPT: 3,
  REJECT: 4,
  TIMEOUT: 5,
} as const;
export type ActionType = (typeof ActionType)[keyof typeof ActionType];

/** `businessID` of signaling custom messages; other business types never collide with it. */
export const SIGNALING_BUSINESS_ID = 1;

/** Offline push configuration, as in the seed. */
export interface OfflinePushInfo {
  disablePush?: boolean;
  disableVoipPush?: boolean;
  title?: string;
  description?: string;
  extension?: string;
  ignoreIOSBadge?: boolean;
  androidOPPOChannelID?: string;
}

/**
 * An invitation: the one shape every layer extends (the history message below, the
 * events and the pending list here, the worker's call entries in the extension).
 */
export interface Invitation {
  inviteID: string;
  inviter: string;
  /** '' for a 1:1 invitation. */
  groupID: string;
  inviteeList: string[];
  data: string;
  /** Seconds the invitation rings; 0 = no timeout. */
  timeout: number;
}

/** An invitation still open, as a session hears it: with the time it has left. */
export interface OpenInvitation extends Invitation {
  /** Seconds left on the server's clock; 0 when the invitation has no timeout. */
  remaining: number;
}

/** The body (`payload.data`, JSON-encoded) of every signaling history message. */
export interface SignalingPayload extends Invitation {
  businessID: typeof SIGNALING_BUSINESS_ID;
  actionType: ActionType;
}

export interface NewInvitationData extends OpenInvitation {
  offlinePushInfo?: OfflinePushInfo;
}
export interface InviteeAcceptedData {
  inviteID: string;
  inviter: string;
  groupID: string;
  invitee: string;
  data: string;
}
export interface InviteeRejectedData extends InviteeAcceptedData {
  reason?: string;
}
export interface InvitationCancelledData {
  inviteID: string;
  inviter: string;
  groupID: string;
  data: string;
  reason?: string;
}
export interface InvitationTimeoutData {
  inviteID: string;
  inviter: string;
  groupID: string;
  inviteeList: string[];
  isSelfTimeout: boolean;
}

/** Map from event name to the shape of its `data`. */
export interface SignalingEventMap {
  newInvitationReceived: NewInvitationData;
  ts_invitee_accepted: InviteeAcceptedData;
  ts_invitee_rejected: InviteeRejectedData;
  ts_invitation_cancelled: InvitationCancelledData;
  ts_invitation_timeout: InvitationTimeoutData;
}

/** One signaling event as delivered to a session. */
export type SignalingEvent = {
  [K in SignalingEventName]: { name: K; data: SignalingEventMap[K] };
}[SignalingEventName];

/** An open invitation as `getPendingInvitations` lists it. */
export type PendingInvitation = OpenInvitation;

/** Parses a message's `payload.data` as signaling JSON, or returns null if it is not one. */
export function parseSignalingPayload(text: string): SignalingPayload | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  if (v.businessID !== SIGNALING_BUSINESS_ID || typeof v.inviteID !== 'string') return null;
  if (typeof v.actionType !== 'number' || v.actionType < 1 || v.actionType > 5) return null;
  return v as unknown as SignalingPayload;
}
