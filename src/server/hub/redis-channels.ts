/**
 * The names the Redis bus uses (keys and channels, under one prefix) and the messages a
 * node sends to another's deliver channel.
 *
 * Keys (prefix `ringlet:` by default):
 *   node:<nodeID>      heartbeat of a live node, refreshed every heartbeatMs, expires after
 *                      nodeTtlMs: a node that dies (SIGKILL, host loss) vanishes by itself
 *   nodes              set of the node ids that have heartbeated (pruned of dead ones)
 *   presence:<userID>  sorted set of `<nodeID>|<sessionID>` (score: registration time);
 *                      members of dead nodes are ignored and pruned
 *   settings           hash: nodeID → the settings every node must share (JSON)
 *   custom-status      hash: userID → the custom status set with setSelfStatus
 * Channels:
 *   deliver:<nodeID>   frames for the sessions on that node and device-limit kicks
 *                      (DeliverMessage)
 *   revoked            every token revocation, to every node (RevokedMessage): each kicks
 *                      the sessions it covers and keeps it in its revocation cache
 *   resync             users whose deliveries a node failed to publish (ResyncMessage)
 *   status             users whose status may have changed (StatusMessage): each node
 *                      tells the subscribers it holds (presence/status-service.ts)
 */
import type { Delivery, Revocation } from './types.ts';

export type DeliverMessage =
  | { t: 'd'; from: string; d: Delivery[] }
  | { t: 'kick'; u: string; s: string };

export interface RevokedMessage {
  r: Revocation;
}

export interface ResyncMessage {
  users: string[];
}

export interface StatusMessage {
  status: string[];
}

export class RedisNames {
  constructor(readonly prefix: string, readonly nodeID: string) {}

  /** The heartbeat key of `nodeID`; with '' the prefix the scripts append node ids to. */
  node(nodeID: string): string {
    return `${this.prefix}node:${nodeID}`;
  }
  get nodes(): string {
    return `${this.prefix}nodes`;
  }
  presence(userID: string): string {
    return `${this.prefix}presence:${userID}`;
  }
  get settings(): string {
    return `${this.prefix}settings`;
  }
  deliver(nodeID: string): string {
    return `${this.prefix}deliver:${nodeID}`;
  }
  get revoked(): string {
    return `${this.prefix}revoked`;
  }
  get resync(): string {
    return `${this.prefix}resync`;
  }
  get status(): string {
    return `${this.prefix}status`;
  }
  get customStatus(): string {
    return `${this.prefix}custom-status`;
  }
  /** This node's presence member for a session. */
  member(sessionID: string): string {
    return `${this.nodeID}|${sessionID}`;
  }
}

/** A message from one of the channels, or null when it is not one. */
export function parseMessage(text: string): DeliverMessage | RevokedMessage | ResyncMessage | StatusMessage | null {
  try {
    const msg = JSON.parse(text) as unknown;
    return typeof msg === 'object' && msg !== null ? (msg as DeliverMessage | RevokedMessage | ResyncMessage | StatusMessage) : null;
  } catch {
    return null;
  }
}
