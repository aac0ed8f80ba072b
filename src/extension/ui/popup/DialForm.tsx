/** Dial a user by ID, audio or video. */
import { useState } from 'preact/hooks';
import type { CallType, Request } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';

type Run = <T>(req: Request) => Promise<T | undefined>;

export function DialForm({ run, disabled, onDialled }: { run: Run; disabled: boolean; onDialled: () => void }) {
  const [userID, setUserID] = useState('');
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
    <section aria-label={t('dial')}>
      <h2>{t('dial')}</h2>
      <form class="row" onSubmit={submit} data-testid="dial-form">
        <label class="sr-only" for="dial-user">
          {t('userID')}
        </label>
        <input
          id="dial-user"
          type="text"
          placeholder={t('userID')}
          value={userID}
          onInput={(e) => setUserID((e.target as HTMLInputElement).value)}
          autoComplete="off"
          required
          pattern="[A-Za-z0-9_.@\-]{1,64}"
        />
        <select aria-label={t('callType')} value={callType} onChange={(e) => setCallType((e.target as HTMLSelectElement).value as CallType)}>
          <option value="audio">{t('audioCall')}</option>
          <option value="video">{t('videoCall')}</option>
        </select>
        <button type="submit" class="primary" disabled={disabled} data-testid="dial">
          {t('call')}
        </button>
      </form>
    </section>
  );
}
