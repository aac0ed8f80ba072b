/**
 * Dial a user by ID, audio or video. The field suggests people I called or who called
 * me, and members of my groups (components/PersonCombo.tsx).
 */
import { useState } from 'preact/hooks';
import type { CallType } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import type { Contact } from '../log/contacts.ts';
import { PersonCombo } from '../components/PersonCombo.tsx';
import { PhoneIcon, VideoIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';
import type { PresenceState } from '../../../protocol/presence.ts';
import { ID_PATTERN } from '../../../protocol/limits.ts';
import type { Trust } from '../trust/use-trust.ts';


export function DialForm({ run, disabled, contacts, presence, trust, onDialled }: { run: Run; disabled: boolean; contacts: Contact[]; presence?: Readonly<Record<string, PresenceState>>; trust?: Trust; onDialled: () => void }) {
  const [userID, setUserID] = useState('');
  const typed = userID.trim();
  // "Add to contacts" for a well-formed ID that is not mine to add already.
  const canAdd = trust?.lists && ID_PATTERN.test(typed) && !trust.lists.contacts.includes(typed) && !trust.lists.blocked.includes(typed);
  const [callType, setCallType] = useState<CallType>('audio');

  const submit = async (e: Event) => {
    e.preventDefault();
    const id = userID.trim();
    if (!id) return;
    const ok = await run({ type: 'call/dial', userID: id, callType });
    if (ok) {
      setUserID('');
      onDialled();
    }
  };
  return (
    <section aria-labelledby="dial-heading" class="dial">
      <h2 id="dial-heading">{t('dial')}</h2>
      <form onSubmit={submit} data-testid="dial-form">
        <PersonCombo id="dial-user" label={t('userID')} value={userID} onValue={setUserID} contacts={contacts} presence={presence} required />
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
        {canAdd && (
          <button type="button" class="link add-typed" disabled={disabled} onClick={() => void trust.addContact(typed)} aria-label={t('addContactNamed', typed)} data-testid="dial-add-contact">
            {t('addContactNamed', typed)}
          </button>
        )}
        {disabled && (
          <p id="dial-why" class="sub" data-testid="dial-why">
            {t('callNeedsConnection')}
          </p>
        )}
      </form>
    </section>
  );
}
