/**
 * The process's open-file limit and what the gateway leaves of it to whom (SECURITY.md
 * "Descriptors"). Every socket is a descriptor; at the limit `accept` fails (EMFILE) and
 * so does every file, database or Redis connection the server opens, for everyone. So:
 * - sockets waiting for their login take at most a quarter of the limit
 *   (`unauthenticatedTotal`, at most its configured value);
 * - all connections together stop at the limit less a reserve (`maxConnections`): past
 *   it a new TCP connection is closed at once, and the server's own files still open.
 */
import { readFileSync } from 'node:fs';

/** Descriptors kept for the store, logs, Redis, the SFU's connection and the like. */
const RESERVE = 256;

/** The soft open-file limit (Linux: /proc/self/limits), or null when it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

export interface DescriptorShares {
  /** The soft limit seen, or null (not Linux): then the configured values stand. */
  limit: number | null;
  unauthenticatedTotal: number;
  /** Every TCP connection of the listener, or null for no cap. */
  maxConnections: number | null;
}

/** What the gateway may hold under `limit` (pure). */
export function descriptorShares(limit: number | null, configuredUnauthenticated: number): DescriptorShares {
  if (limit === null) return { limit, unauthenticatedTotal: configuredUnauthenticated, maxConnections: null };
  return {
    limit,
    unauthenticatedTotal: Math.max(1, Math.min(configuredUnauthenticated, Math.floor(limit / 4))),
    maxConnections: Math.max(1, limit - RESERVE),
  };
}
