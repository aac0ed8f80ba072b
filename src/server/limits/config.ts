/**
 * The server's per-user and per-process budgets: what one account may cost the others.
 * Every value here is documented in docs/PROTOCOL.md ("Limits and budgets"); a request
 * beyond a budget is answered 8040 with the limit's name as `reason`, never dropped.
 * Token buckets live in memory and are per node: with N nodes a user may reach N times
 * the rate (the durable stored-bytes counter is shared by all nodes).
 */
export interface ServerLimits {
  /** `message_rate`: sendMessage, invite and inviteInGroup per user and node. A request costs one token per 20 recipients (at least 1). */
  messageRate: { perSecond: number; burst: number };
  /**
   * `request_cost`: every request of a user (per node), charged before it runs: 1, plus 1
   * per entry of each list it carries (limits/request-cost.ts).
   */
  requestCost: { perSecond: number; burst: number };
  /** `stored_bytes`: bytes a user's sendMessage/invite/inviteInGroup may store per UTC day (frames once, 32 bytes per recipient reference). */
  storedBytesPerDay: number;
  /** `pending_invitations`: open invitations from one inviter in which one invitee is still pending. */
  pendingPerPair: number;
  /** `pending_invitations`: open invitations in which one invitee is still pending, from anyone. */
  pendingPerInvitee: number;
  /** `pending_invitations_sent`: open invitations of one inviter. */
  pendingSent: number;
  /**
   * `pending_invitations`: open 1:1 invitations toward one invitee from strangers (inviters the
   * invitee has not added as a contact and shares no group with). Their own pool: they never
   * take the `pendingPerInvitee` places, which are for contacts and group members.
   */
  pendingFromStrangers: number;
  /** `contacts`: entries of one user's contact list. */
  maxContacts: number;
  /** `blocklist`: entries of one user's block list. */
  maxBlocked: number;
  /** `group_invitations`: group invitations awaiting one user's consent. */
  pendingGroupInvitations: number;
  /** `status_subscriptions`: users one session may subscribe to with subscribeUserStatus (a user has at most maxSessionsPerUser sessions). */
  maxStatusSubscriptions: number;
  /** `status_rate`: setSelfStatus per user and node (each one reaches every subscriber). */
  statusRate: { perSecond: number; burst: number };
  /** `read_bytes`: bytes of read responses (getPendingInvitations, getMessageList, …) per user and node. */
  readBytes: { perSecond: number; burst: number };
  /** Outbound bytes queued on one socket before it is closed (4503). */
  outboundPerSocket: number;
  /** Outbound bytes queued on all sockets of one user (this node) before its fullest socket is closed (4503). */
  outboundPerUser: number;
  /** Outbound bytes queued on all sockets of this process before the fullest socket is closed (4503). */
  outboundProcess: number;
  /** Sockets of one client address that have not logged in yet; more get HTTP 429 `unauthenticated_sockets` at the upgrade. */
  unauthenticatedPerIP: number;
  /**
   * Sockets that have not logged in yet, all addresses together (per node); at most a
   * quarter of the open-file limit (limits/descriptors.ts). At it a newcomer from a less
   * busy address takes the place of the busiest address's oldest waiting socket; else HTTP
   * 429 `unauthenticated_total`.
   */
  unauthenticatedTotal: number;
  /** WebSocket upgrades per client address and second (every attempt counts); more get HTTP 429 `connection_rate`. */
  connectionRatePerIP: { perSecond: number; burst: number };
  /** `logins_in_flight`: logins this node works on at once; more are refused with close code 1013 and a time to come back (gateway/login-gate.ts). */
  loginsInFlight: number;
  /** Frames per page of the catch-up at login; the next page waits until the socket drained. */
  catchUpPageFrames: number;
  /** A catch-up page that does not drain within this time closes the socket (4503). */
  catchUpDrainMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  messageRate: { perSecond: 50, burst: 100 },
  requestCost: { perSecond: 200, burst: 2000 },
  storedBytesPerDay: 16 * 1024 * 1024,
  pendingPerPair: 10,
  pendingPerInvitee: 100,
  pendingSent: 100,
  pendingFromStrangers: 20,
  maxContacts: 1000,
  maxBlocked: 1000,
  pendingGroupInvitations: 100,
  maxStatusSubscriptions: 1000,
  statusRate: { perSecond: 2, burst: 10 },
  readBytes: { perSecond: 1024 * 1024, burst: 4 * 1024 * 1024 },
  outboundPerSocket: 8 * 1024 * 1024,
  outboundPerUser: 16 * 1024 * 1024,
  outboundProcess: 256 * 1024 * 1024,
  unauthenticatedPerIP: 64,
  unauthenticatedTotal: 4096,
  connectionRatePerIP: { perSecond: 20, burst: 200 },
  loginsInFlight: 1000,
  catchUpPageFrames: 20,
  catchUpDrainMs: 30_000,
};

/** Most invitations that can be pending toward one user: the pool of contacts and group members and the strangers' pool. */
export function pendingTowardMax(limits: Pick<ServerLimits, 'pendingPerInvitee' | 'pendingFromStrangers'>): number {
  return limits.pendingPerInvitee + limits.pendingFromStrangers;
}

/** A budget's numbers, with any overrides applied. */
export function resolveLimits(overrides: Partial<ServerLimits> = {}): ServerLimits {
  return { ...DEFAULT_LIMITS, ...overrides };
}
