/**
 * The popup's groups screen (it replaces the home view, so the popup keeps its height):
 * my groups with my role and their call buttons, a new group, joining by ID, and each
 * group's members. What happened is said in a status line; refusals in words (an alert).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Group } from '../../../../protocol/im.ts';
import { t } from '../../../shared/i18n.ts';
import type { Contact } from '../../log/contacts.ts';
import { useRequest } from '../../hooks.ts';
import { ChevronIcon, UsersIcon } from '../../components/icons.tsx';
import { CreateGroupForm, JoinGroupForm } from './GroupForms.tsx';
import { GroupRow } from './GroupRow.tsx';
import './groups.css';

type Form = 'create' | 'join' | null;

export function GroupsScreen({ me, online, contacts, onBack }: { me: string; online: boolean; contacts: readonly Contact[]; onBack: () => void }) {
  const { run, error, clearError } = useRequest();
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [form, setForm] = useState<Form>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const load = async () => {
    const list = await run({ type: 'groups/list' });
    if (list) setGroups(list);
  };
  useEffect(() => {
    heading.current?.focus();
  }, []);
  useEffect(() => {
    if (online) void load();
  }, [online]);
  const say = (text: string) => {
    clearError();
    setStatus(text);
  };
  const toggleForm = (f: Exclude<Form, null>) => {
    setStatus('');
    clearError();
    setForm(form === f ? null : f);
  };
  const joined = async (g: Group, created: boolean) => {
    setForm(null);
    say(created ? t('groupCreated', g.name || g.groupID) : t('groupJoined', g.name || g.groupID));
    await load();
    setOpen(g.groupID);
  };
  const sorted = [...(groups ?? [])].sort((a, b) => (a.name || a.groupID).localeCompare(b.name || b.groupID));

  return (
    <section class="groups-screen" aria-labelledby="groups-heading" data-testid="groups-screen">
      <div class="screen-head">
        <button type="button" class="icon-button back" onClick={onBack} aria-label={t('back')} title={t('back')} data-testid="groups-back">
          <ChevronIcon size={18} />
        </button>
        <h2 id="groups-heading" tabIndex={-1} ref={heading}>
          {t('groups')}
        </h2>
      </div>
      <div class="row screen-actions">
        <button type="button" aria-expanded={form === 'create'} onClick={() => toggleForm('create')} disabled={!online} data-testid="new-group">
          {t('newGroup')}
        </button>
        <button type="button" aria-expanded={form === 'join'} onClick={() => toggleForm('join')} disabled={!online} data-testid="join-by-id">
          {t('joinByID')}
        </button>
      </div>
      {form === 'create' && <CreateGroupForm run={run} contacts={contacts} onDone={(g) => void joined(g, true)} />}
      {form === 'join' && <JoinGroupForm run={run} onDone={(g) => void joined(g, false)} />}
      <p class="sub status-line" role="status" data-testid="groups-status">
        {status}
      </p>
      {error && (
        <p class="error" role="alert" data-testid="groups-error">
          {error}
        </p>
      )}
      {groups === null && <p class="sub">{t('loading')}</p>}
      {groups && groups.length === 0 && (
        <p class="sub empty" data-testid="no-groups">
          {t('noGroups')} {t('noGroupsHint')}
        </p>
      )}
      <ul class="list group-list" data-testid="group-list">
        {sorted.map((g) => (
          <GroupRow
            key={g.groupID}
            group={g}
            me={me}
            online={online}
            open={open === g.groupID}
            onToggle={() => setOpen(open === g.groupID ? null : g.groupID)}
            run={run}
            contacts={contacts}
            say={say}
            onGroups={(list) => {
              setGroups(list);
              setOpen(null);
            }}
            onDialled={onBack}
          />
        ))}
      </ul>
    </section>
  );
}

/** The home view's way in to the groups screen. */
export function GroupsEntry({ onOpen }: { onOpen: () => void }) {
  return (
    <button type="button" class="groups-entry" onClick={onOpen} data-testid="open-groups">
      <UsersIcon size={18} />
      <span class="grow">{t('groups')}</span>
      <ChevronIcon size={18} />
    </button>
  );
}
