/**
 * The ids of the worker's system notifications: one typed scheme with one format/parse
 * pair. The id is all a click hands back, and a woken worker must recognise what an
 * earlier one left on screen, so the strings stay as they were: `ring:<inviteID>`,
 * `missed:<inviteID>`, `auth:expired`. Each kind belongs to the feature that shows it
 * (ring-notifications, call-log, account), which also serves its clicks.
 */

export type NotificationId =
  /** A ringing invitation (Accept / Reject buttons in Chrome). */
  | { kind: 'ring'; inviteID: string }
  /** An invitation that timed out unanswered. */
  | { kind: 'missed'; inviteID: string }
  /** The userSig was refused: sign in again. */
  | { kind: 'signIn' };

const SIGN_IN_ID = 'auth:expired';

export function formatNotificationId(id: NotificationId): string {
  switch (id.kind) {
    case 'ring':
    case 'missed':
      return `${id.kind}:${id.inviteID}`;
    case 'signIn':
      return SIGN_IN_ID;
  }
}

/** The notification an id names; null for one that is not ours. */
export function parseNotificationId(raw: string): NotificationId | null {
  if (raw === SIGN_IN_ID) return { kind: 'signIn' };
  const colon = raw.indexOf(':');
  const kind = raw.slice(0, colon);
  const inviteID = raw.slice(colon + 1);
  if (colon < 0 || !inviteID) return null;
  return kind === 'ring' || kind === 'missed' ? { kind, inviteID } : null;
}
