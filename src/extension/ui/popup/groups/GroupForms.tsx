/**
 * The two ways into a group: create one (name, who may join, people to add) and join one
 * by its ID (only the group types API.md lets anyone join; the server says so otherwise).
 */
import { useState } from 'preact/hooks';
import { GROUP_TYPES, type Group, type GroupType } from '../../../../protocol/im.ts';
import { LIMITS } from '../../../../protocol/limits.ts';
import { t, type MessageKey } from '../../../shared/i18n.ts';
import type { Contact } from '../../log/contacts.ts';
import type { Run } from '../../hooks.ts';
import { PeopleField } from './PeopleField.tsx';

export const TYPE_LABEL: Record<GroupType, MessageKey> = {
  Public: 'groupTypePublic',
  Private: 'groupTypePrivate',
  Work: 'groupTypeWork',
  Meeting: 'groupTypeMeeting',
  ChatRoom: 'groupTypeChatRoom',
};

export function CreateGroupForm({ run, contacts, onDone }: { run: Run; contacts: readonly Contact[]; onDone: (g: Group) => void }) {
  const [name, setName] = useState('');
  const [type, setType] = useState<GroupType>('Work');
  const [people, setPeople] = useState<string[]>([]);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!name.trim()) return;
    const g = await run({ type: 'groups/create', name: name.trim(), groupType: type, memberList: people });
    if (g) onDone(g);
  };
  return (
    <form class="group-form" onSubmit={submit} data-testid="create-group-form" aria-labelledby="create-group-heading">
      <h3 id="create-group-heading" class="sr-only">{t('newGroup')}</h3>
      <label class="field">
        {t('groupName')}
        <input type="text" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} required maxLength={LIMITS.groupNameMaxLength} data-testid="group-name" />
      </label>
      <label class="field">
        {t('groupType')}
        <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value as GroupType)} data-testid="group-type">
          {GROUP_TYPES.map((g) => (
            <option key={g} value={g}>
              {t(TYPE_LABEL[g])}
            </option>
          ))}
        </select>
      </label>
      <span class="field-label" id="create-people-label">{t('groupMembersToAdd')}</span>
      <PeopleField id="create-people" label={t('personID')} people={people} onPeople={setPeople} contacts={contacts} testid="create-people" />
      <div class="form-actions">
        <button type="submit" class="primary" disabled={!name.trim()} data-testid="create-group">
          {t('createGroup')}
        </button>
      </div>
    </form>
  );
}

export function JoinGroupForm({ run, onDone }: { run: Run; onDone: (g: Group) => void }) {
  const [groupID, setGroupID] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const id = groupID.trim();
    if (!id) return;
    const g = await run({ type: 'groups/join', groupID: id });
    if (g) onDone(g);
  };
  return (
    <form class="group-form row" onSubmit={submit} data-testid="join-group-form">
      <label class="sr-only" for="join-group-id">
        {t('groupIDField')}
      </label>
      <input id="join-group-id" class="grow" type="text" placeholder={t('groupIDField')} value={groupID} onInput={(e) => setGroupID((e.target as HTMLInputElement).value)} required pattern="[A-Za-z0-9_.@\-]{1,64}" spellcheck={false} data-testid="join-group-id" />
      <button type="submit" class="primary" data-testid="join-group">
        {t('joinGroupButton')}
      </button>
    </form>
  );
}
