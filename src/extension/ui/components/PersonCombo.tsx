/**
 * A user-ID field with suggestions: people I called or who called me, and members of my
 * groups (log/contacts.ts). An ARIA combobox: arrows move through the suggestions, Enter
 * picks one, Escape closes them. Used to dial and to add people to a group.
 */
import { useState } from 'preact/hooks';
import { t } from '../../shared/i18n.ts';
import { suggest, type Contact } from '../log/contacts.ts';
import { Avatar } from './Avatar.tsx';
import { PresenceText } from './PresenceDot.tsx';
import type { PresenceState } from '../../../protocol/presence.ts';

export interface PersonComboProps {
  id: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  contacts: readonly Contact[];
  /** Enter on a suggestion picks it; without this the value is set to it. */
  onPick?: (userID: string) => void;
  required?: boolean;
  testid?: string;
  inputClass?: string;
  /** Presence of the people suggested, when known (the dial field). */
  presence?: Readonly<Record<string, PresenceState>> | undefined;
}

export function PersonCombo({ id, label, value, onValue, contacts, onPick, required, testid, inputClass, presence }: PersonComboProps) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const options = open ? suggest(contacts, value) : [];
  const pick = (c: Contact) => {
    if (onPick) onPick(c.userID);
    else onValue(c.userID);
    setOpen(false);
    setActive(-1);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) return setOpen(true);
      const n = options.length;
      if (n) setActive((i) => (e.key === 'ArrowDown' ? (i + 1) % n : (i - 1 + n) % n));
    } else if (e.key === 'Enter' && open && active >= 0 && options[active]) {
      e.preventDefault();
      pick(options[active]);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      setOpen(false);
      setActive(-1);
    }
  };
  const expanded = options.length > 0;
  const list = `${id}-suggestions`;
  return (
    <div class="combo">
      <label class="sr-only" for={id}>
        {label}
      </label>
      <input
        id={id}
        class={inputClass}
        type="text"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={list}
        aria-activedescendant={expanded && active >= 0 ? `${id}-option-${active}` : undefined}
        placeholder={label}
        value={value}
        onInput={(e) => {
          onValue((e.target as HTMLInputElement).value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
        autoComplete="off"
        spellcheck={false}
        required={required}
        pattern="[A-Za-z0-9_.@\-]{1,64}"
        data-testid={testid}
      />
      <ul id={list} role="listbox" aria-label={t('suggestions')} class="suggestions" hidden={!expanded} data-testid={testid ? `${testid}-suggestions` : 'suggestions'}>
        {options.map((c, i) => (
          <li
            key={c.userID}
            id={`${id}-option-${i}`}
            role="option"
            aria-selected={i === active}
            data-user={c.userID}
            // mousedown, not click: the field's blur would close the list first.
            onMouseDown={(e) => {
              e.preventDefault();
              pick(c);
            }}
          >
            <Avatar name={c.userID} size={24} />
            <span class="grow">{c.userID}</span>
            {presence?.[c.userID] && presence[c.userID] !== 'unknown' && <PresenceText presence={presence[c.userID]!} />}
            <span class="sub">{c.source === 'recent' ? t('recentContact') : c.group}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
