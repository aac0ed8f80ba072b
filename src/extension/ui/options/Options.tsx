/**
 * Options and onboarding: server URL, create account / sign in / sign out, microphone,
 * ringtone, do-not-disturb, call waiting, notifications, language.
 */
import { useState } from 'preact/hooks';
import type { Settings, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { usePhone, useRequest } from '../hooks.ts';
import { StatusLine } from '../components/status.tsx';

export function Options() {
  const state = usePhone();
  if (!state) return <main aria-busy="true">{t('loading')}</main>;
  return (
    <main data-testid="options" style={{ maxWidth: '560px' }}>
      <h1>{t('optionsTitle')}</h1>
      <StatusLine state={state} />
      <Account state={state} />
      <Microphone state={state} />
      <Preferences state={state} />
    </main>
  );
}

function Account({ state }: { state: ViewState }) {
  const signedIn = state.userID !== null && state.connection !== 'signedOut' && state.connection !== 'expired';
  const [server, setServer] = useState(state.server);
  const [userID, setUserID] = useState(state.userID ?? '');
  const [password, setPassword] = useState('');
  const { run, busy, error } = useRequest();
  const [done, setDone] = useState<string | null>(null);

  const submit = async (create: boolean) => {
    setDone(null);
    const ok = await run({ type: 'account/signIn', server: server.trim(), userID: userID.trim(), password, create });
    if (ok) {
      setPassword('');
      setDone(create ? t('accountCreated') : t('signedIn'));
    }
  };

  if (signedIn) {
    return (
      <fieldset data-testid="account">
        <legend>{t('account')}</legend>
        <p>
          {t('signedInAs', state.userID ?? '')} · <span class="sub">{state.server}</span>
        </p>
        <button type="button" onClick={() => void run({ type: 'account/signOut' })} disabled={busy} data-testid="sign-out">
          {t('signOut')}
        </button>
        {error && <p class="error" role="alert">{error}</p>}
      </fieldset>
    );
  }
  return (
    <fieldset data-testid="account">
      <legend>{t('account')}</legend>
      {state.connection === 'expired' && <p class="error">{t('sessionExpired')}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit(false);
        }}
      >
        <label class="field">
          {t('serverURL')}
          <input type="url" name="server" value={server} onInput={(e) => setServer((e.target as HTMLInputElement).value)} required data-testid="server" />
        </label>
        <label class="field">
          {t('userID')}
          <input type="text" name="userID" autoComplete="username" value={userID} onInput={(e) => setUserID((e.target as HTMLInputElement).value)} required pattern="[A-Za-z0-9_.@\-]{1,64}" data-testid="user-id" />
        </label>
        <label class="field">
          {t('password')}
          <input type="password" name="password" autoComplete="current-password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} required data-testid="password" />
        </label>
        <div class="row">
          <button type="submit" class="primary" disabled={busy} data-testid="sign-in">
            {t('signIn')}
          </button>
          <button
            type="button"
            disabled={busy}
            data-testid="create-account"
            onClick={(e) => {
              const form = (e.target as HTMLButtonElement).form;
              if (form?.reportValidity()) void submit(true);
            }}
          >
            {t('createAccount')}
          </button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert" data-testid="account-error">
          {error}
        </p>
      )}
      {done && <p role="status">{done}</p>}
    </fieldset>
  );
}

function Microphone({ state }: { state: ViewState }) {
  const { run } = useRequest();
  const [error, setError] = useState<string | null>(null);
  const ask = async () => {
    setError(null);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      for (const track of stream.getTracks()) track.stop();
      await run({ type: 'settings/set', patch: { micGranted: true } });
    } catch (e) {
      setError(t('micDenied', e instanceof Error ? e.message : String(e)));
    }
  };
  return (
    <fieldset>
      <legend>{t('microphone')}</legend>
      <p class="sub">{t('micExplain')}</p>
      {state.settings.micGranted ? (
        <p data-testid="mic-granted">✓ {t('micGranted')}</p>
      ) : (
        <button type="button" class="primary" onClick={() => void ask()} data-testid="mic">
          {t('micAllow')}
        </button>
      )}
      {error && <p class="error" role="alert">{error}</p>}
    </fieldset>
  );
}

function Preferences({ state }: { state: ViewState }) {
  const { run, error } = useRequest();
  const s = state.settings;
  const set = (patch: Partial<Settings>) => void run({ type: 'settings/set', patch });
  const check = (key: 'ringtone' | 'doNotDisturb' | 'notifications' | 'missedCallNotifications', label: string) => (
    <label class="row" style={{ margin: '6px 0' }}>
      <input type="checkbox" checked={s[key]} onChange={(e) => set({ [key]: (e.target as HTMLInputElement).checked })} data-testid={`setting-${key}`} />
      {label}
    </label>
  );
  return (
    <fieldset data-testid="preferences">
      <legend>{t('preferences')}</legend>
      {check('ringtone', t('settingRingtone'))}
      <label class="field">
        {t('settingVolume', Math.round(s.volume * 100))}
        <input
          type="range"
          min="0"
          max="100"
          step="5"
          value={Math.round(s.volume * 100)}
          disabled={!s.ringtone}
          onChange={(e) => set({ volume: Number((e.target as HTMLInputElement).value) / 100 })}
          data-testid="setting-volume"
        />
      </label>
      {check('doNotDisturb', t('settingDnd'))}
      <label class="field">
        {t('settingWhileInCall')}
        <select value={s.whileInCall} onChange={(e) => set({ whileInCall: (e.target as HTMLSelectElement).value as Settings['whileInCall'] })} data-testid="setting-whileInCall">
          <option value="busy">{t('whileInCallBusy')}</option>
          <option value="waiting">{t('whileInCallWaiting')}</option>
        </select>
      </label>
      {check('notifications', t('settingNotifications'))}
      {check('missedCallNotifications', t('settingMissedNotifications'))}
      <label class="field">
        {t('settingLanguage')}
        <select value={s.language} onChange={(e) => set({ language: (e.target as HTMLSelectElement).value as Settings['language'] })} data-testid="setting-language">
          <option value="auto">{t('languageAuto')}</option>
          <option value="en">English</option>
          <option value="zh_CN">简体中文</option>
        </select>
      </label>
      <p class="sub">{t('shortcutsHint')}</p>
      {error && <p class="error" role="alert">{error}</p>}
    </fieldset>
  );
}
