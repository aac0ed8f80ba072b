/**
 * Dial a user by ID, audio or video. The field is an ARIA combobox suggesting people I
 * called or who called me, and members of my groups (log/contacts.ts): arrows move
 * through the suggestions, Enter picks one, Escape closes them.
 */
import { useState } from 'preact/hooks';
import type { CallType } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { suggest, type Contact } from '../log/contacts.ts';
import { Avatar } from '../components/Avatar.tsx';
import { PhoneIcon, VideoIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';


export function DialForm({ run, disabled, contacts, onDialled }: { run: Run; disabled: boolean; contacts: Contact[]; onDialled: () => void }) {
  const [userID, setUserID] = useState('');
  const [callType, setCallType] = useState<CallType>('audio');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const options = open ? suggest(contacts, userID) : [];

  const pick = (c: Contact) => {
    setUserID(c.userID);
    setOpen(false);
    setActive(-1);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const id = userID.trim();
    if (!id) return;
    setOpen(false);
    const ok = await run({ type: 'call/dial', userID: id, callType });
    if (ok) {
      setUserID('');
      onDialled();
    }
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
  return (
    <section aria-labelledby="dial-heading" class="dial">
      <h2 id="dial-heading">{t('dial')}</h2>
      <form onSubmit={submit} data-testid="dial-form">
        <div class="combo">
          <label class="sr-only" for="dial-user">
            {t('userID')}
          </label>
          <input
            id="dial-user"
            type="text"
            role="combobox"
            aria-autocomplete="list"
            aria-expanded={expanded}
            aria-controls="dial-suggestions"
            aria-activedescendant={expanded && active >= 0 ? `dial-option-${active}` : undefined}
            placeholder={t('userID')}
            value={userID}
            onInput={(e) => {
              setUserID((e.target as HTMLInputElement).value);
              setOpen(true);
              setActive(-1);
            }}
            onFocus={() => setOpen(true)}
            onBlur={() => setOpen(false)}
            onKeyDown={onKeyDown}
            autoComplete="off"
            spellcheck={false}
            required
            pattern="[A-Za-z0-9_.@\-]{1,64}"
          />
          <ul id="dial-suggestions" role="listbox" aria-label={t('suggestions')} class="suggestions" hidden={!expanded} data-testid="suggestions">
            {options.map((c, i) => (
              <li
                key={c.userID}
                id={`dial-option-${i}`}
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
                <span class="sub">{c.source === 'recent' ? t('recentContact') : c.group}</span>
              </li>
            ))}
          </ul>
        </div>
        <div class="dial-row">
          <fieldset class="segmented">
            <legend class="sr-only">{t('callType')}</legend>
            <label>
              <input type="radio" name="call-type" value="audio" checked={callType === 'audio'} onChange={() => setCallType('audio')} data-testid="type-audio" />
              <span>
                <PhoneIcon size={16} />
                {t('audio')}
              </span>
            </label>
            <label>
              <input type="radio" name="call-type" value="video" checked={callType === 'video'} onChange={() => setCallType('video')} data-testid="type-video" />
              <span>
                <VideoIcon size={16} />
                {t('video')}
              </span>
            </label>
          </fieldset>
          <button type="submit" class="accept pill" disabled={disabled} aria-describedby={disabled ? 'dial-why' : undefined} data-testid="dial">
            {callType === 'video' ? <VideoIcon size={18} /> : <PhoneIcon size={18} />}
            {t('call')}
          </button>
        </div>
        {disabled && (
          <p id="dial-why" class="sub" data-testid="dial-why">
            {t('callNeedsConnection')}
          </p>
        )}
      </form>
    </section>
  );
}
