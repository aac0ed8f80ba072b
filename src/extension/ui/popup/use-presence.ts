/**
 * Which people's presence the popup follows: my contacts, the people of the call log and
 * the dial suggestions, at most MAX_WATCHED, asked of the worker (`presence/watch`) when
 * that set changes; what the server says comes back in ViewState.presence.
 */
import { useEffect, useMemo } from 'preact/hooks';
import type { PresenceState } from '../../../protocol/presence.ts';
import { MAX_WATCHED, type HistoryRecord } from '../../shared/schema.ts';
import { request } from '../../messaging/client.ts';
import type { Contact } from '../log/contacts.ts';

/** The people to follow, most wanted first (contacts, then the log, then suggestions). */
export function followed(contacts: readonly string[], records: readonly HistoryRecord[] | null, suggestions: readonly Contact[]): string[] {
  const out = new Set<string>(contacts);
  for (const r of records ?? []) if (!r.groupID && r.peer) out.add(r.peer);
  for (const c of suggestions) out.add(c.userID);
  return [...out].slice(0, MAX_WATCHED);
}

export function usePresence(online: boolean, contacts: readonly string[], records: readonly HistoryRecord[] | null, suggestions: readonly Contact[], known: Readonly<Record<string, PresenceState>> | undefined): Readonly<Record<string, PresenceState>> {
  const ids = useMemo(() => followed(contacts, records, suggestions), [contacts, records, suggestions]);
  const key = ids.join(',');
  useEffect(() => {
    if (!online || ids.length === 0) return;
    // Best effort: without it the people show "status not shared".
    void request({ type: 'presence/watch', userIDList: ids }).catch(() => undefined);
  }, [online, key]);
  return known ?? {};
}
