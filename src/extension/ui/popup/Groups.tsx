/** My groups; "call group" lets me choose the invitees (inviteInGroup). */
import { useState } from 'preact/hooks';
import type { CallType, Group, Request } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { MAX_PARTICIPANTS } from '../../call/room.ts';
import { ChevronIcon, UsersIcon } from '../components/icons.tsx';

type Run = <T>(req: Request) => Promise<T | undefined>;

export function Groups({ run, online }: { run: Run; online: boolean }) {
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [members, setMembers] = useState<string[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [callType, setCallType] = useState<CallType>('audio');
  // A full mesh: me and at most MAX - 1 others.
  const tooMany = chosen.size > MAX_PARTICIPANTS - 1;

  const load = async () => {
    const list = await run<Group[]>({ type: 'groups/list' });
    if (list) setGroups(list);
  };
  const choose = async (groupID: string) => {
    if (open === groupID) return setOpen(null);
    const list = await run<string[]>({ type: 'groups/members', groupID });
    setMembers(list ?? []);
    setChosen(new Set(list ?? []));
    setOpen(groupID);
  };
  const toggle = (u: string) => {
    const next = new Set(chosen);
    if (next.has(u)) next.delete(u);
    else next.add(u);
    setChosen(next);
  };
  const call = async (groupID: string) => {
    if (chosen.size === 0) return;
    await run({ type: 'call/dialGroup', groupID, inviteeList: [...chosen], callType });
    setOpen(null);
  };

  return (
    <details class="groups" onToggle={(e) => (e.target as HTMLDetailsElement).open && online && groups === null && void load()}>
      <summary>
        <UsersIcon size={18} />
        <span>{t('groups')}</span>
        <ChevronIcon size={18} />
      </summary>
      {groups && groups.length === 0 && <p class="sub">{t('noGroups')}</p>}
      <ul class="list" data-testid="groups">
        {(groups ?? []).map((g) => (
          <li key={g.groupID} class="row-item wrap">
            <span class="grow">{g.name || g.groupID}</span>
            <button type="button" onClick={() => void choose(g.groupID)} aria-expanded={open === g.groupID} disabled={!online}>
              {t('callGroup')}
            </button>
            {open === g.groupID && (
              <fieldset class="invitees">
                <legend>{t('chooseInvitees')}</legend>
                {members.length === 0 && <p class="sub">{t('noOtherMembers')}</p>}
                {members.map((u) => (
                  <label key={u} class="check">
                    <input type="checkbox" checked={chosen.has(u)} onChange={() => toggle(u)} /> {u}
                  </label>
                ))}
                <select aria-label={t('callType')} value={callType} onChange={(e) => setCallType((e.target as HTMLSelectElement).value as CallType)}>
                  <option value="audio">{t('audioCall')}</option>
                  <option value="video">{t('videoCall')}</option>
                </select>{' '}
                <span class={tooMany ? 'error' : 'sub'}>{t('groupLimit', MAX_PARTICIPANTS)}</span>{' '}
                <button type="button" class="accept" disabled={chosen.size === 0 || tooMany} onClick={() => void call(g.groupID)} data-testid="call-group">
                  {t('call')}
                </button>
              </fieldset>
            )}
          </li>
        ))}
      </ul>
    </details>
  );
}
