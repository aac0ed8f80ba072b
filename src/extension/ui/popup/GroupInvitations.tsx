/**
 * Group invitations that await my consent (someone who is not one of my contacts added me
 * to a group, or I had left it): Join or Decline each. Nothing shows when none waits.
 */
import { useEffect, useState } from 'preact/hooks';
import type { GroupInvitation } from '../../../protocol/im.ts';
import { t } from '../../shared/i18n.ts';
import { Avatar } from '../components/Avatar.tsx';
import type { Run } from '../hooks.ts';

export function GroupInvitations({ run, online }: { run: Run; online: boolean }) {
  const [list, setList] = useState<GroupInvitation[]>([]);
  useEffect(() => {
    if (!online) return;
    void run({ type: 'groupInvites/list' }).then((l) => l && setList(l));
  }, [online]);
  if (list.length === 0) return null;
  const answer = async (type: 'groupInvites/accept' | 'groupInvites/decline', groupID: string) => {
    const next = await run({ type, groupID });
    if (next) setList(next);
  };
  return (
    <section aria-labelledby="group-invitations-heading" data-testid="group-invitations">
      <h2 id="group-invitations-heading">{t('groupInvitations')}</h2>
      <ul class="list">
        {list.map((i) => {
          const name = i.group.name || i.group.groupID;
          return (
            <li key={i.group.groupID} class="row-item" data-group-id={i.group.groupID}>
              <Avatar name={name} size={32} />
              <span class="grow">
                <span class="name block">{name}</span>
                <span class="sub block">{t('groupInvitedBy', i.inviter)}</span>
              </span>
              <button type="button" class="danger" disabled={!online} onClick={() => void answer('groupInvites/decline', i.group.groupID)} aria-label={t('declineGroupNamed', name)} data-testid="decline-group">
                {t('declineGroup')}
              </button>
              <button type="button" class="accept" disabled={!online} onClick={() => void answer('groupInvites/accept', i.group.groupID)} aria-label={t('joinGroupNamed', name)} data-testid="join-group">
                {t('joinGroup')}
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
