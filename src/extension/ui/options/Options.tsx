/**
 * The options page: account, then (right after signing in, or on request) the "you're
 * ready" check, microphone permission and preferences. Each part is its own component.
 */
import { useState } from 'preact/hooks';
import { t, type MessageKey } from '../../shared/i18n.ts';
import { usePhone } from '../hooks.ts';
import { StatusLine } from '../components/status.tsx';
import { SignInForm } from './SignInForm.tsx';
import { AccountSummary } from './AccountSummary.tsx';
import { ReadyStep } from './ReadyStep.tsx';
import { Microphone } from './Microphone.tsx';
import { Preferences } from './Preferences.tsx';
import { People } from './People.tsx';
import { Shortcuts } from './Shortcuts.tsx';

export function Options() {
  const state = usePhone();
  const [ready, setReady] = useState(false);
  const [banner, setBanner] = useState<MessageKey | null>(null);
  if (!state) return <main aria-busy="true">{t('loading')}</main>;
  const signedIn = state.userID !== null && state.connection !== 'signedOut' && state.connection !== 'expired';
  return (
    <main data-testid="options" class="options">
      <h1>{t('optionsTitle')}</h1>
      <StatusLine state={state} />
      {banner && (
        <p class="banner success" role="status" data-testid="account-banner">
          {t(banner)}
        </p>
      )}
      {signedIn ? (
        <AccountSummary
          state={state}
          onCheckSetup={ready ? null : () => setReady(true)}
          onSignedOut={() => {
            setReady(false);
            setBanner(null);
          }}
        />
      ) : (
        <SignInForm
          state={state}
          onSignedIn={(created) => {
            setBanner(created ? 'accountCreated' : 'signedIn');
            setReady(true);
          }}
        />
      )}
      {signedIn && ready && <ReadyStep state={state} onDone={() => setReady(false)} />}
      <Microphone state={state} />
      <Preferences state={state} />
      {signedIn && <People state={state} />}
      <Shortcuts />
    </main>
  );
}
