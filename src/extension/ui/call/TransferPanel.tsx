/**
 * The call window's picker for Transfer and Add someone (docs/CALLS.md "Transfer and add
 * someone"): a person field with suggestions (people from my call log and groups), the
 * action, and Cancel. Transfer is blind: I leave as soon as the server has rung the person
 * in my peer's name. Escape closes the panel; focus starts in the field.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../../shared/i18n.ts';
import type { Contact } from '../log/contacts.ts';
import { PersonCombo } from '../components/PersonCombo.tsx';
import { TransferIcon, UserPlusIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';

export type PickerMode = 'transfer' | 'add';

export function TransferPanel({ mode, peer, run, busy, contacts, onClose }: { mode: PickerMode; peer: string; run: Run; busy: boolean; contacts: Contact[]; onClose: () => void }) {
  const [userID, setUserID] = useState('');
  const box = useRef<HTMLFormElement>(null);
  useEffect(() => box.current?.querySelector('input')?.focus(), [mode]);
  const submit = async (e: Event) => {
    e.preventDefault();
    const id = userID.trim();
    if (!id) return;
    const ok = await run(mode === 'transfer' ? { type: 'call/transfer', userID: id } : { type: 'call/add', userID: id });
    if (ok) onClose();
  };
  const title = mode === 'transfer' ? t('transferTitle', peer) : t('addTitle');
  return (
    <form
      ref={box}
      class="picker-panel"
      aria-labelledby="picker-title"
      onSubmit={submit}
      onKeyDown={(e) => e.key === 'Escape' && !e.defaultPrevented && onClose()}
      data-testid="transfer-panel"
      data-mode={mode}
    >
      <h2 id="picker-title">{title}</h2>
      <p class="sub">{mode === 'transfer' ? t('transferHint', peer) : t('addHint')}</p>
      <PersonCombo id="picker-user" label={t('userID')} value={userID} onValue={setUserID} contacts={contacts} required testid="picker-user" />
      <div class="row">
        <button type="button" onClick={onClose} data-testid="picker-cancel">
          {t('cancel')}
        </button>
        <button type="submit" class="accept" disabled={busy || !userID.trim()} data-testid="picker-go">
          {mode === 'transfer' ? <TransferIcon size={18} /> : <UserPlusIcon size={18} />}
          {mode === 'transfer' ? t('transfer') : t('addToCall')}
        </button>
      </div>
    </form>
  );
}
