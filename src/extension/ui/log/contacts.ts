/**
 * Who the dial field suggests: people I called or who called me (most recent first),
 * then members of my groups. Pure, so ranking is unit-tested; the popup feeds it what
 * the worker already answers (`history/get`, `groups/list`, `groups/members`).
 */
import type { HistoryRecord } from '../../shared/schema.ts';

export interface Contact {
  userID: string;
  /** Why it is suggested: a recent call, or membership of a group (its name). */
  source: 'recent' | 'group';
  group?: string;
}

/** Groups whose members are fetched for suggestions (one request each). */
export const CONTACT_GROUPS = 10;
/** Suggestions shown at once. */
export const MAX_SUGGESTIONS = 6;

/** Unique contacts: recents first (newest first), then group members; never me. */
export function buildContacts(history: readonly HistoryRecord[], groups: ReadonlyArray<{ name: string; members: readonly string[] }>, me: string): Contact[] {
  const seen = new Set<string>([me]);
  const out: Contact[] = [];
  for (const r of [...history].sort((a, b) => b.time - a.time)) {
    if (r.groupID || seen.has(r.peer) || !r.peer) continue;
    seen.add(r.peer);
    out.push({ userID: r.peer, source: 'recent' });
  }
  for (const g of groups) {
    for (const u of g.members) {
      if (seen.has(u)) continue;
      seen.add(u);
      out.push({ userID: u, source: 'group', group: g.name });
    }
  }
  return out;
}

/** Contacts matching what was typed: IDs that start with it first, then ones containing it. */
export function suggest(contacts: readonly Contact[], query: string, limit = MAX_SUGGESTIONS): Contact[] {
  const q = query.trim().toLowerCase();
  if (!q) return contacts.slice(0, limit);
  const starts = contacts.filter((c) => c.userID.toLowerCase().startsWith(q));
  const contains = contacts.filter((c) => !c.userID.toLowerCase().startsWith(q) && c.userID.toLowerCase().includes(q));
  return [...starts, ...contains].filter((c) => c.userID.toLowerCase() !== q).slice(0, limit);
}
