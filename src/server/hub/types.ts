/**
 * The bus: where sessions live and how a committed event reaches them. In-process by
 * default; the Redis bus (scale-out) implements the same interface across nodes.
 */
import type { CloseCode } from '../../protocol/close-codes.ts';
import type { KickReason } from '../../protocol/frames.ts';
import type { Revocation } from '../model/revocation.ts';

export type { Revocation };

/** One frame for one user, computed inside the transaction, delivered after commit. */
export interface Delivery {
  userID: string;
  /** The frame as JSON text. */
  frame: string;
  /** Stored events carry their per-user seq; online-only ones have none. */
  seq: number | null;
  /** The session whose request caused the event: it gets the response instead. */
  exceptSession?: string;
}

/** What the bus needs of a connected session. */
export interface SessionSink {
  readonly id: string;
  readonly userID: string;
  /** Hands one frame to the session (it may buffer while it is syncing). */
  deliver(d: Delivery): void;
  /** Closes the session with a `kicked` frame: a newer one pushed it out, or its token ended. */
  kick(reason: KickReason): void;
  /** Whether the token this session logged in with is covered by `r`. */
  revokedBy(r: Revocation): boolean;
  /** Closes the connection (e.g. 1012 so the client reconnects and replays what it missed). */
  close?(code: CloseCode, reason: string): void;
}

/** Hears of revocations committed on any node. */
export interface RevocationListener {
  revoked(r: Revocation): void;
  /** Revocations of these users (null: of anyone) may have been missed: what was learnt of them is stale. */
  forget(userIDs: readonly string[] | null): void;
}

export interface Bus {
  /**
   * Adds a session (kicking the oldest above the per-user limit). A distributed bus
   * resolves once the session's presence is visible to every node: the session reads its
   * sync snapshot only after that, so no commit can fall between snapshot and fan-out.
   */
  register(session: SessionSink): void | Promise<void>;
  unregister(session: SessionSink): void;
  /** Routes deliveries to every session of each user, wherever it is connected. */
  publish(deliveries: readonly Delivery[]): void;
  /**
   * Kicks (`user_sig_expired`) every session of `r.userID`, wherever it is connected, whose
   * token `r` covers. Called after the revocation is committed to the store.
   */
  revoke(r: Revocation): void;
  /** Tells `l` of every revocation committed on any node (revocation-cache.ts keeps them). */
  watchRevocations(l: RevocationListener): void;
  /** The subset of `userIDs` with at least one connected session anywhere. */
  online(userIDs: readonly string[]): Promise<Set<string>>;
  close(): Promise<void>;
}

/**
 * Where users' custom statuses live and how "this user's status may have changed" reaches
 * every node (this one included): in process on one node, over Redis in a cluster
 * (redis-status.ts). The status itself is computed by whoever listens (presence/status-service.ts).
 */
export interface StatusBoard {
  /**
   * Tells every node that these users' status may have changed. On Redis it leaves after
   * every presence change this node sent before it, so a node that hears it reads the new presence.
   */
  changed(userIDs: readonly string[]): void;
  /** Hears every `changed`, from any node. */
  watch(listener: (userIDs: readonly string[]) => void): void;
  /** Sets ('' clears) a user's custom status, then tells every node. */
  setCustom(userID: string, customStatus: string): Promise<void>;
  /** The custom statuses of these users (absent: none). */
  custom(userIDs: readonly string[]): Promise<Map<string, string>>;
}
