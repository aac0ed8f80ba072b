/**
 * Signaling vocabulary with the seed's names: event names, action types and the
 * TSignaling JSON that history messages carry.
 */
import * as z from 'zod/mini';
import type { OfflinePushInfo } from './fields.ts';

/** Event names of the signaling listener API (values as in the published SDK). */
export const TSignaling = {
  NEW_INVITATION_RECEIVED: 'newInvitationReceived',
  INVITEE_ACCEPTED: 'ts_invitee_accepted',
  INVITEE_REJECTED: 'ts_invitee_rejected',
  INVITATION_CANCELLED: 'ts_invitation_cancelled',
  INVITATION_TIMEOUT: 'ts_invitation_timeout',
  /** Tencent's name (`modifyInvitation`): the data of an invitation changed (Ringlet: also of an answered call). */
  INVITATION_MODIFIED: 'ts_invitation_modified',
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

export type { OfflinePushInfo };

/**
 * An invitation: the one shape every layer extends (the history message below, the
 * events and the pending list here, the server's state, the worker's call records). A
 * schema so that the extension's stored records (zod/mini) extend it rather than restate it.
 */
export const invitationSchema = z.object({
  inviteID: z.string(),
  inviter: z.string(),
  /** '' for a 1:1 invitation. */
  groupID: z.string(),
  inviteeList: z.array(z.string()),
  data: z.string(),
  /** Seconds the invitation rings; 0 = no timeout. */
  timeout: z.number(),
});
export type Invitation = z.infer<typeof invitationSchema>;

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
/** What every event says of its invitation. */
type InvitationRef = Pick<Invitation, 'inviteID' | 'inviter' | 'groupID'>;

export interface InviteeAcceptedData extends InvitationRef, Pick<Invitation, 'data'> {
  invitee: string;
}
export interface InviteeRejectedData extends InviteeAcceptedData {
  reason?: string;
}
export interface InvitationCancelledData extends InvitationRef, Pick<Invitation, 'data'> {
  reason?: string;
}
export interface InvitationTimeoutData extends InvitationRef {
  /** The invitees that timed out (not the whole list). */
  inviteeList: string[];
  isSelfTimeout: boolean;
}

/**
 * `modifyInvitation` changed an invitation's data. Tencent's event carries `inviteID` and
 * `data`; Ringlet adds `inviter`, `groupID` and `modifier` (who changed it).
 */
export interface InvitationModifiedData extends InvitationRef, Pick<Invitation, 'data'> {
  modifier: string;
}

/** Map from event name to the shape of its `data`. */
export interface SignalingEventMap {
  newInvitationReceived: NewInvitationData;
  ts_invitee_accepted: InviteeAcceptedData;
  ts_invitee_rejected: InviteeRejectedData;
  ts_invitation_cancelled: InvitationCancelledData;
  ts_invitation_timeout: InvitationTimeoutData;
  ts_invitation_modified: InvitationModifiedData;
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
