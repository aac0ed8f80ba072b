/**
 * My groups; "call group" lets me choose the invitees (inviteInGroup). More than the mesh's
 * 6 people only when the server has an SFU; the group's owner may start a classroom.
 */
import { useState } from 'preact/hooks';
import type { Group } from '../../../protocol/im.ts';
import type { CallType } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { MESH_LIMIT } from '../../../protocol/sfu.ts';
import { ChevronIcon, UsersIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';


export function Groups({ run, online, me }: { run: Run; online: boolean; me: string }) {
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [members, setMembers] = useState<string[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [callType, setCallType] = useState<CallType>('audio');
  const [classroom, setClassroom] = useState(false);
  /** Whether the server has an SFU (null: not known yet). */
  const [sfu, setSfu] = useState<boolean | null>(null);
  // Without an SFU, a full mesh: me and at most MESH_LIMIT - 1 others.
  const beyondMesh = chosen.size > MESH_LIMIT - 1;
  const tooMany = beyondMesh && sfu !== true;

  const load = async () => {
    const list = await run({ type: 'groups/list' });
    if (list) setGroups(list);
  };
  const choose = async (groupID: string) => {
    if (open === groupID) return setOpen(null);
    const list = await run({ type: 'groups/members', groupID });
    setMembers(list ?? []);
    setChosen(new Set(list ?? []));
    setClassroom(false);
    setOpen(groupID);
    if (sfu === null) setSfu((await run({ type: 'server/hasSfu' })) ?? null);
  };
  const toggle = (u: string) => {
    const next = new Set(chosen);
    if (next.has(u)) next.delete(u);
    else next.add(u);
    setChosen(next);
  };
  const call = async (groupID: string) => {
    if (chosen.size === 0) return;
    await run({ type: 'call/dialGroup', groupID, inviteeList: [...chosen], callType, ...(classroom ? { classroom } : {}) });
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
        {(groups ?? []).map((g) => {
          const owner = !!me && g.ownerID === me;
          return (
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
                {owner && (
                  <label class="check">
                    <input type="checkbox" checked={classroom} onChange={() => setClassroom(!classroom)} data-testid="start-classroom" />{' '}
                    {t('startAsClassroom')}
                  </label>
                )}
                <span class={tooMany ? 'error' : 'sub'} data-testid="group-limit">
                  {sfu ? t('groupLimitSfu', MESH_LIMIT) : sfu === false ? t('groupLimitNoSfu', MESH_LIMIT) : t('groupLimit', MESH_LIMIT)}
                </span>{' '}
                <button type="button" class="accept" disabled={chosen.size === 0 || tooMany} onClick={() => void call(g.groupID)} data-testid="call-group">
                  {t('call')}
                </button>
              </fieldset>
            )}
          </li>
          );
        })}
      </ul>
    </details>
  );
}
