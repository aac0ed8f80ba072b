/**
 * The store interface the services use. One implementation of the queries (sql-store.ts)
 * runs over either SQL driver (SQLite, PostgreSQL); another store would implement these
 * same interfaces.
 */
import type { Group, GroupMember, Message } from '../../protocol/im.ts';
import type { Invitation } from '../model/invitation.ts';
import type { LoginReads } from './login-reads.ts';

export interface StoredEvent {
  seq: number;
  inviteID: string | null;
  deadline: number | null;
  /** The push frame as JSON, without `seq`. */
  frame: string;
}

export interface NewEvent {
  userID: string;
  inviteID: string | null;
  deadline: number | null;
  frame: string;
}

export interface PendingLoad {
  sent: number;
  /** Per invitee: pending in all, from this inviter, and from inviters who were strangers to the invitee (1:1 invitations marked so at insert). */
  toward: Map<string, { total: number; fromInviter: number; fromStrangers: number }>;
}

/** A user's one-way lists: the people they added as contacts, and the people they block. */
export type Relation = 'contacts' | 'blocks';

/** A group invitation awaiting the invitee's consent, as stored. */
export interface StoredGroupInvitation {
  group: Group;
  inviter: string;
  /** ms, server clock. */
  createdAt: number;
}

export interface ConversationBump {
  userID: string;
  conversationID: string;
  unreadDelta: number;
}

export interface StoredMessage {
  id: number;
  convKey: string;
  from: string;
  to: string;
  /** ms, server clock. */
  time: number;
  payload: Message['payload'];
}

export interface ConversationRow {
  conversationID: string;
  unread: number;
  lastMessageID: number;
}

/** A user as the admin command lists it (times in ms; null when not so). */
export interface UserRecord {
  userID: string;
  createdAt: number;
  hasPassword: boolean;
  disabledAt: number | null;
  deletedAt: number | null;
}

/** One administrative change (admin_log, migration 7). */
export interface AdminLogEntry {
  at: number;
  /** Who made it (the OS user running the admin command). */
  actor: string;
  action: 'add' | 'disable' | 'enable' | 'reset-password' | 'delete';
  userID: string;
  /** Free text for the log: what changed. */
  detail: string;
  /** Tokens of the user below this generation are revoked: every node kicks their sessions. */
  revokeBelow: number | null;
}

/** Accounts: existence and passwords. */
export interface UserStore {
  ensureUser(userID: string, now: number): Promise<void>;
  existingUsers(userIDs: readonly string[]): Promise<Set<string>>;
  createUserWithPassword(userID: string, passwordHash: string, now: number): Promise<boolean>;
  /** The password hash; null when none is set or the user is disabled (password sign-in refused). */
  getPasswordHash(userID: string): Promise<string | null>;
  /** Sets the password of an existing user; false when there is no such user. */
  setPasswordHash(userID: string, passwordHash: string): Promise<boolean>;
}

/** Token revocation (auth/tokens.ts). */
export interface TokenStore {
  /**
   * The user's token generation: tokens issued below it are revoked (0 for an unknown
   * user; DISABLED_GENERATION for a disabled or deleted one).
   */
  tokenGeneration(userID: string): Promise<number>;
  /** Raises the generation by one (revokes every token issued so far); returns the new one. */
  bumpTokenGeneration(userID: string): Promise<number>;
  /** Revokes one token by ID until `expiresAt` (ms), after which it is expired anyway. */
  revokeToken(tokenID: string, userID: string, expiresAt: number): Promise<void>;
  isTokenRevoked(tokenID: string): Promise<boolean>;
  /** Drops revocations of tokens that have expired by `now`. */
  pruneRevokedTokens(now: number): Promise<void>;
}

/** Invitations: the state machine's records and the open-invitation index (signaling/). */
export interface InvitationStore {
  /** `fromStranger`: a 1:1 invitation whose inviter the invitee neither has as a contact nor shares a group with. */
  insertInvitation(inv: Invitation, fromStranger?: boolean): Promise<void>;
  getInvitation(inviteID: string, lock: boolean): Promise<Invitation | null>;
  updateInvitation(before: Invitation, after: Invitation): Promise<void>;
  /** Open invitations in which the user is inviter or a pending invitee: the newest `limit`, oldest first. */
  openInvitationsOf(userID: string, limit: number): Promise<Invitation[]>;
  /**
   * Open invitations before their deadline: sent by `inviter`, and per invitee pending in total and from `inviter`.
   * In a write transaction on PostgreSQL it first takes an advisory lock per involved user (PENDING_LOCK in sql-store.ts): the counts hold until commit.
   */
  pendingLoad(inviter: string, invitees: readonly string[], now: number): Promise<PendingLoad>;
  openInvitationsInGroup(groupID: string): Promise<Invitation[]>;
  dueInvitationIDs(now: number, limit: number): Promise<string[]>;
  /** Open invitations that have a deadline (the metrics' gauge). */
  countOpenDeadlines(): Promise<number>;
  nextDeadline(): Promise<number | null>;
}

/** Groups, their members and the group invitations awaiting consent (im/groups.ts). */
export interface GroupStore {
  insertGroup(group: Group, now: number): Promise<boolean>;
  getGroup(groupID: string): Promise<Group | null>;
  setGroupOwner(groupID: string, ownerID: string): Promise<void>;
  /** Removes every member (each becomes a former member) and keeps the row as a tombstone: the ID is never reused. */
  dismissGroup(groupID: string, now: number): Promise<void>;
  groupMembers(groupID: string): Promise<GroupMember[]>;
  isMember(groupID: string, userID: string): Promise<boolean>;
  memberCount(groupID: string): Promise<number>;
  /** How many groups each user belongs to; in a write transaction on PostgreSQL it first takes an advisory lock per user (GROUPS_LOCK in sql-store.ts): the counts hold until commit. */
  groupCounts(userIDs: readonly string[]): Promise<Map<string, number>>;
  /** Inserts the members not yet in the group (a returning former member loses that status); returns who was added. */
  addMembers(groupID: string, members: readonly GroupMember[], now: number): Promise<string[]>;
  /** Removes members, recording each as a former member who may read the history up to now; returns who was removed. */
  removeMembers(groupID: string, userIDs: readonly string[], now: number): Promise<string[]>;
  /** The last group message a former member may read, or null when the user never left this group. */
  formerMemberBound(groupID: string, userID: string): Promise<number | null>;
  groupsOf(userID: string): Promise<Group[]>;
  /** How `userID` stands toward `other`, in one read: blocks them; knows them (has them as a contact, or shares a group with them). */
  standing(userID: string, other: string): Promise<{ blocks: boolean; knows: boolean }>;
  /** Records that the user left the group by choice (quit or declined): a re-add needs consent again. */
  markLeft(groupID: string, userID: string, now: number): Promise<void>;
  /** Those of `userIDs` who left the group by choice. */
  leftByChoice(groupID: string, userIDs: readonly string[]): Promise<Set<string>>;
  // group invitations awaiting consent
  /** How many group invitations each user has waiting; on PostgreSQL in a write transaction under GROUPS_LOCK, as groupCounts. */
  groupInvitationCounts(userIDs: readonly string[]): Promise<Map<string, number>>;
  /** Stores an invitation to the group unless one is waiting already; true when stored. */
  addGroupInvitation(userID: string, groupID: string, inviter: string, now: number): Promise<boolean>;
  /** The user's waiting invitations to groups that still exist, oldest first. */
  groupInvitationsOf(userID: string): Promise<StoredGroupInvitation[]>;
  /** Removes the user's invitation to the group; true when there was one. */
  takeGroupInvitation(userID: string, groupID: string): Promise<boolean>;
  /** Removes the user's waiting invitations from these inviters. */
  dropGroupInvitationsFrom(userID: string, inviters: readonly string[]): Promise<void>;
}

/** Contacts and blocks (one-way lists). */
export interface RelationStore {
  /** Locks the user's row until commit (PostgreSQL): a count and the insert that follows are one step. */
  lockUser(userID: string): Promise<void>;
  relationList(kind: Relation, userID: string): Promise<string[]>;
  relationCount(kind: Relation, userID: string): Promise<number>;
  /** Adds to the user's list; returns who was not in it before. */
  addRelation(kind: Relation, userID: string, others: readonly string[], now: number): Promise<string[]>;
  /** Removes from the user's list; returns who was in it. */
  removeRelation(kind: Relation, userID: string, others: readonly string[]): Promise<string[]>;
  /** Those of `userIDs` whose list of `kind` holds `subject` (e.g. the invitees who block the inviter). */
  whoListed(kind: Relation, subject: string, userIDs: readonly string[]): Promise<Set<string>>;
  /**
   * Those of `viewers` to whom `subject` shows their status (docs/API.md "Presence"): the
   * subject has them as a contact or shares a group with them, and does not block them.
   */
  statusViewers(subject: string, viewers: readonly string[]): Promise<Set<string>>;
  /** Those of `subjects` who show their status to `viewer` (the same rule, seen from the viewer). */
  statusShownTo(viewer: string, subjects: readonly string[]): Promise<Set<string>>;
}

/** History messages and per-user conversations (projected behind the journal on SQLite). */
export interface MessageStore {
  insertMessage(m: Omit<StoredMessage, 'id'>): Promise<number>;
  /** Moves each user's conversation to this message and adds to its unread count. */
  bumpConversations(rows: readonly ConversationBump[], messageID: number, time: number): Promise<void>;
  listMessages(convKey: string, beforeID: number | null, count: number): Promise<StoredMessage[]>;
  getMessages(ids: readonly number[]): Promise<StoredMessage[]>;
  listConversations(userID: string): Promise<ConversationRow[]>;
  markRead(userID: string, conversationID: string): Promise<boolean>;
}

/**
 * The seqs an append gave, by user (unknown users get none): known at once, or (PostgreSQL,
 * where the append goes out with the rest of the transaction's writes instead of waiting
 * for its answer) in `later`, which settles once the transaction's statements are answered,
 * at the latest when it has committed (awaiting it inside the transaction costs a round
 * trip; the outbox reads it after the commit, outbox.ts settle).
 */
export type EventSeqs = Map<string, number> | { readonly later: Promise<Map<string, number>> };

/** The per-user event log: exact replay after a reconnect (projected behind the journal on SQLite). */
export interface EventLog {
  /** Gives each event its user's next seq and stores it; returns the seqs (see EventSeqs). One event per user. */
  appendEvents(events: readonly NewEvent[], now: number): Promise<EventSeqs>;
  currentSeq(userID: string): Promise<number>;
  eventsAfter(userID: string, seq: number, limit: number): Promise<StoredEvent[]>;
}

/** A day's stored-bytes budget, and the error a request past it fails with (RequestStore.chargeStoredBytes). */
export interface StoredBytesCap {
  bytes: number;
  refuse: () => Error;
}

/** Per-user budgets, idempotent requests and housekeeping (dispatch.ts, index.ts). */
export interface RequestStore {
  /** Bytes of text and rows this transaction has stored so far (what stored_bytes counts). */
  storedBytes(): number;
  /**
   * Adds `bytes` to the user's stored-bytes counter of `day` (a new day starts from 0); returns the day's total.
   * With `cap`, a store may check the total with the commit instead of answering it now
   * (PostgreSQL: no round trip of its own): it then returns `bytes`, and when the day's total
   * passes `cap.bytes` the transaction fails, with the error `cap.refuse()` makes.
   */
  chargeStoredBytes(userID: string, bytes: number, day: number, cap?: StoredBytesCap): Promise<number>;
  /** The reply recorded for a request id (kept from its UTC day to the end of the next), or null. */
  getRequestResult(userID: string, requestID: string, now: number): Promise<string | null>;
  /** Records a reply; false when the id was already recorded (a retry). */
  putRequestResult(userID: string, requestID: string, response: string, now: number): Promise<boolean>;
  prune(eventsBefore: number, requestsBefore: number): Promise<void>;
}

/** Administration (the admin command; auth/admin.ts). */
export interface AdminStore {
  getUser(userID: string): Promise<UserRecord | null>;
  /** Users in ID order after `afterID` (null: from the first), at most `limit`. */
  listUsers(afterID: string | null, limit: number): Promise<UserRecord[]>;
  /** Sets or clears disabled_at; false when there is no such user. */
  setDisabled(userID: string, at: number | null): Promise<boolean>;
  /** Makes the user a tombstone: deleted and disabled at `at`, no password. */
  markDeleted(userID: string, at: number): Promise<void>;
  appendAdminLog(entry: AdminLogEntry): Promise<number>;
  /** Admin log rows with an ID above `afterID`, oldest first, at most `limit`. */
  adminLogAfter(afterID: number, limit: number): Promise<(AdminLogEntry & { id: number })[]>;
  /** The newest admin log row's ID (0 when none). */
  lastAdminLogID(): Promise<number>;
}

/**
 * Everything a request may read or write, inside one transaction: the areas above. Each
 * dialect's hot path is one subclass of the shared queries (sql-store.ts SqlTx):
 * sqlite/store.ts (the journal) and postgres/store.ts (folded, pipelined statements).
 */
export interface StoreTx extends UserStore, TokenStore, InvitationStore, GroupStore, RelationStore, MessageStore, EventLog, RequestStore, AdminStore {}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  /** What a socket login reads, in the fewest round trips (login-reads.ts). */
  readonly login: LoginReads;
  /** One atomic read-write transaction. */
  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** One consistent snapshot, read only. */
  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
