/**
 * The popup's call log and dial suggestions, from what the worker already answers:
 * `history/get` (refetched when a call starts or ends), `groups/list` and
 * `groups/members` for up to CONTACT_GROUPS groups (once per popup).
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { Group } from '../../../protocol/im.ts';
import type { HistoryRecord } from '../../shared/schema.ts';
import { buildContacts, CONTACT_GROUPS, type Contact } from '../log/contacts.ts';
import type { Run } from '../hooks.ts';


export function useLog(run: Run, online: boolean, me: string, refreshKey: string): { records: HistoryRecord[] | null; contacts: Contact[] } {
  const [records, setRecords] = useState<HistoryRecord[] | null>(null);
  const [groups, setGroups] = useState<Array<{ name: string; members: string[] }>>([]);
  useEffect(() => {
    if (!online) return;
    void run({ type: 'history/get' }).then((r) => r && setRecords(r));
  }, [online, refreshKey]);
  useEffect(() => {
    if (!online) return;
    let live = true;
    void (async () => {
      const list = (await run({ type: 'groups/list' })) ?? [];
      const withMembers = await Promise.all(
        list.slice(0, CONTACT_GROUPS).map(async (g) => ({ name: g.name || g.groupID, members: (await run({ type: 'groups/members', groupID: g.groupID })) ?? [] })),
      );
      if (live) setGroups(withMembers);
    })();
    return () => {
      live = false;
    };
  }, [online]);
  const contacts = useMemo(() => buildContacts(records ?? [], groups, me), [records, groups, me]);
  return { records, contacts };
}
