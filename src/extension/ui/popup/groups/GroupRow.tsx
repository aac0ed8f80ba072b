/**
 * One of my groups: its name and my role, buttons for an audio call, a video call and (its
 * owner) a class, and its members behind a toggle (GroupMembers).
 */
import type { Group } from '../../../../protocol/im.ts';
import { LIMITS } from '../../../../protocol/limits.ts';
import type { CallType } from '../../../shared/schema.ts';
import { t } from '../../../shared/i18n.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { ChevronIcon, ClassIcon, PhoneIcon, VideoIcon } from '../../components/icons.tsx';
import { GroupMembers } from './GroupMembers.tsx';
import type { GroupRowProps } from './group-row-props.ts';


export function GroupRow(props: GroupRowProps) {
  const { group, me, online, open, onToggle, run, say, onDialled } = props;
  const name = group.name || group.groupID;
  const owner = group.ownerID === me;
  /** Calls every other member (a class: the owner teaches them); the worker refuses in words what cannot go out. */
  const start = async (callType: CallType, classroom: boolean) => {
    const others = await run({ type: 'groups/members', groupID: group.groupID });
    if (!others) return;
    if (others.length === 0) return say(t('noOtherMembers'));
    const ok = await run({ type: 'call/dialGroup', groupID: group.groupID, inviteeList: others.slice(0, LIMITS.maxInvitees), callType, ...(classroom ? { classroom } : {}) });
    if (ok) onDialled();
  };
  const panel = `members-${group.groupID}`;
  return (
    <li class="group-row" data-group={group.groupID}>
      <div class="group-line">
        <Avatar name={name} size={32} group />
        <span class="grow">
          <span class="name" data-testid="group-name-label">{name}</span>
          <span class="sub block" data-testid="group-role">
            {owner ? t('roleOwner') : t('roleMember')}
          </span>
        </span>
        <button type="button" class="icon-button call-back" disabled={!online} onClick={() => void start('audio', false)} aria-label={t('audioCallNamed', name)} title={t('audioCallNamed', name)} data-testid="group-audio">
          <PhoneIcon size={18} />
        </button>
        <button type="button" class="icon-button call-back" disabled={!online} onClick={() => void start('video', false)} aria-label={t('videoCallNamed', name)} title={t('videoCallNamed', name)} data-testid="group-video">
          <VideoIcon size={18} />
        </button>
        {owner && (
          <button type="button" class="icon-button class-button" disabled={!online} onClick={() => void start('video', true)} aria-label={t('startClassNamed', name)} title={t('startClassNamed', name)} data-testid="group-class">
            <ClassIcon size={18} />
          </button>
        )}
        <button type="button" class="icon-button toggle" aria-expanded={open} aria-controls={panel} onClick={onToggle} aria-label={t('membersOf', name)} title={t('membersOf', name)} data-testid="group-members-toggle">
          <ChevronIcon size={18} />
        </button>
      </div>
      {open && (
        <div id={panel} class="group-panel">
          <GroupMembers {...props} />
        </div>
      )}
    </li>
  );
}
