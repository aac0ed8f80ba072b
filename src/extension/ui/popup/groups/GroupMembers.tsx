/**
 * A group's members with their roles. Any member adds people (the server may make an add
 * a pending invitation, so the result says "added or invited"); the owner removes them
 * and may dismiss the group; anyone leaves. Leaving and dismissing ask first, inline.
 */
import { useEffect, useState } from 'preact/hooks';
import type { GroupMember } from '../../../../protocol/im.ts';
import { t } from '../../../shared/i18n.ts';
import { Avatar } from '../../components/Avatar.tsx';
import type { GroupRowProps } from './group-row-props.ts';
import { PeopleField } from './PeopleField.tsx';
import { useTrust } from '../../trust/use-trust.ts';

export function GroupMembers({ group, me, online, run, contacts, say, onGroups }: GroupRowProps) {
  const [roster, setRoster] = useState<GroupMember[] | null>(null);
  const [adding, setAdding] = useState<string[]>([]);
  const [confirm, setConfirm] = useState<'leave' | 'dismiss' | null>(null);
  const trust = useTrust(run, online);
  const name = group.name || group.groupID;
  const owner = group.ownerID === me;
  const load = async () => setRoster((await run({ type: 'groups/roster', groupID: group.groupID })) ?? roster);
  useEffect(() => void load(), [group.groupID]);

  const add = async (e: Event) => {
    e.preventDefault();
    if (adding.length === 0) return;
    const r = await run({ type: 'groups/add', groupID: group.groupID, userIDList: adding });
    if (!r) return;
    setAdding([]);
    say([r.added.length ? t('membersAdded', r.added.join(', ')) : '', r.existed.length ? t('membersExisted', r.existed.join(', ')) : ''].filter(Boolean).join(' '));
    await load();
  };
  const remove = async (userID: string) => {
    const r = await run({ type: 'groups/remove', groupID: group.groupID, userIDList: [userID] });
    if (!r) return;
    say(t('memberRemoved', userID));
    await load();
  };
  const depart = async (how: 'leave' | 'dismiss') => {
    const list = await run({ type: how === 'leave' ? 'groups/leave' : 'groups/dismiss', groupID: group.groupID });
    setConfirm(null);
    if (!list) return;
    say(how === 'leave' ? t('groupLeft', name) : t('groupDismissedDone', name));
    onGroups(list);
  };

  return (
    <>
      <p class="sub group-id">{t('groupIDLine', group.groupID)}</p>
      {roster && <h3 class="sub members-heading">{t('memberCount', roster.length)}</h3>}
      <ul class="list members" aria-label={t('membersOf', name)} data-testid="members">
        {(roster ?? []).map((m) => (
          <li key={m.userID} class="row-item member" data-user={m.userID} data-role={m.role}>
            <Avatar name={m.userID} size={24} />
            <span class="grow">
              {m.userID}
              {m.userID === me && <span class="sub"> ({t('youTag')})</span>}
            </span>
            {m.role === 'Owner' && <span class="tag role-tag">{t('roleOwner')}</span>}
            {m.userID !== me && trust.lists && !trust.lists.contacts.includes(m.userID) && !trust.lists.blocked.includes(m.userID) && (
              <button type="button" class="small-button" disabled={!online} onClick={() => void trust.addContact(m.userID)} aria-label={t('addContactNamed', m.userID)} title={t('addContactNamed', m.userID)} data-testid="member-add-contact">
                {t('addContact')}
              </button>
            )}
            {m.userID !== me && trust.lists?.contacts.includes(m.userID) && <span class="tag peer-tag">{t('isContact')}</span>}
            {owner && m.userID !== me && (
              <button type="button" class="small-button" disabled={!online} onClick={() => void remove(m.userID)} aria-label={t('removeMemberNamed', m.userID)} data-testid="remove-member">
                {t('remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      <form class="add-members" onSubmit={add} data-testid="add-members-form">
        <PeopleField id={`add-${group.groupID}`} label={t('addMembersField')} people={adding} onPeople={setAdding} contacts={contacts.filter((c) => !roster?.some((m) => m.userID === c.userID))} testid="add-people" />
        {adding.length > 0 && (
          <button type="submit" class="primary" disabled={!online} data-testid="add-members">
            {t('addToGroup')}
          </button>
        )}
      </form>
      {confirm ? (
        <div class="confirm" role="group" aria-label={confirm === 'leave' ? t('leaveGroup') : t('dismissGroup')}>
          <p>{confirm === 'leave' ? t('confirmLeave', name) : t('confirmDismiss', name)}</p>
          <div class="row">
            <button type="button" class="danger" onClick={() => void depart(confirm)} data-testid="confirm-depart">
              {confirm === 'leave' ? t('leaveGroup') : t('dismissGroup')}
            </button>
            <button type="button" onClick={() => setConfirm(null)}>
              {t('keep')}
            </button>
          </div>
        </div>
      ) : (
        <div class="row group-actions">
          <button type="button" disabled={!online} onClick={() => setConfirm('leave')} data-testid="leave-group">
            {t('leaveGroup')}
          </button>
          {owner && (
            <button type="button" class="danger-outline" disabled={!online} onClick={() => setConfirm('dismiss')} data-testid="dismiss-group">
              {t('dismissGroup')}
            </button>
          )}
        </div>
      )}
    </>
  );
}
