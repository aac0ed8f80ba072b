/**
 * Several people by user ID: a suggesting field (recents and group members) with an Add
 * button, and the chosen people as removable chips. Enter in the field adds what is typed.
 */
import { useState } from 'preact/hooks';
import { t } from '../../../shared/i18n.ts';
import type { Contact } from '../../log/contacts.ts';
import { PersonCombo } from '../../components/PersonCombo.tsx';
import { CloseIcon } from '../../components/icons.tsx';

const ID = /^[A-Za-z0-9_.@-]{1,64}$/;

export function PeopleField({ id, label, people, onPeople, contacts, testid }: { id: string; label: string; people: string[]; onPeople: (p: string[]) => void; contacts: readonly Contact[]; testid: string }) {
  const [typed, setTyped] = useState('');
  const add = (userID: string) => {
    const u = userID.trim();
    if (!ID.test(u)) return;
    if (!people.includes(u)) onPeople([...people, u]);
    setTyped('');
  };
  const left = contacts.filter((c) => !people.includes(c.userID));
  return (
    <div class="people-field">
      <div
        class="people-row"
        onKeyDown={(e) => {
          // Enter adds the typed ID (a suggestion picked with Enter is handled by the field first).
          if (e.key === 'Enter' && (e.target as HTMLElement).id === id && !e.defaultPrevented) {
            e.preventDefault();
            add(typed);
          }
        }}
      >
        <PersonCombo id={id} label={label} value={typed} onValue={setTyped} onPick={add} contacts={left} testid={testid} />
        <button type="button" onClick={() => add(typed)} disabled={!ID.test(typed.trim())} data-testid={`${testid}-add`}>
          {t('addPerson')}
        </button>
      </div>
      {people.length > 0 && (
        <ul class="chips" aria-label={label}>
          {people.map((u) => (
            <li key={u} class="chip-item" data-user={u}>
              {u}
              <button type="button" class="icon-button small" aria-label={t('removeFromList', u)} title={t('removeFromList', u)} onClick={() => onPeople(people.filter((p) => p !== u))}>
                <CloseIcon size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
