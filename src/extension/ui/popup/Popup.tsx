/**
 * The popup: who I am and the connection, ringing and dialling invitations, dial by
 * user ID, groups, call history. Every control is a native button/input, so it works
 * with the keyboard alone (Tab, Enter, Space).
 */
import { useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import type { ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { usePhone, useRequest, useTick } from '../hooks.ts';
import { Calls } from './Calls.tsx';
import { DialForm } from './DialForm.tsx';
import { Groups } from './Groups.tsx';
import { History } from './History.tsx';
import { ActiveCallBar, NoticeBar, StatusLine } from '../components/status.tsx';

export function Popup() {
  const state = usePhone();
  if (!state) return <main aria-busy="true">{t('loading')}</main>;
  return <PopupView state={state} />;
}

function PopupView({ state }: { state: ViewState }) {
  const { run, error } = useRequest();
  const now = useTick(state.outgoing.length > 0 || state.active !== null);
  const signedIn = state.connection !== 'signedOut' && state.connection !== 'expired';
  const [historyKey, setHistoryKey] = useState(0);
  return (
    <main data-testid="popup">
      <header>
        <h1>{t('extName')}</h1>
        <button type="button" onClick={() => void browser.runtime.openOptionsPage()} data-testid="open-options">
          {t('options')}
        </button>
      </header>
      <StatusLine state={state} />
      {!signedIn && (
        <p>
          {state.connection === 'expired' ? t('sessionExpired') : t('signInPrompt')}{' '}
          <button type="button" class="primary" onClick={() => void browser.runtime.openOptionsPage()}>
            {t('signIn')}
          </button>
        </p>
      )}
      {state.notice && <NoticeBar notice={state.notice} onDismiss={() => void run({ type: 'notice/dismiss' })} />}
      {error && (
        <p class="error" role="alert" data-testid="popup-error">
          {error}
        </p>
      )}
      {state.active && <ActiveCallBar active={state.active} now={now} onHangup={() => void run({ type: 'call/hangup' })} />}
      <Calls state={state} now={now} run={run} />
      {signedIn && (
        <>
          <DialForm run={run} disabled={state.connection !== 'online'} onDialled={() => setHistoryKey((k) => k + 1)} />
          <Groups run={run} online={state.connection === 'online'} />
          <History run={run} missed={state.missed} online={state.connection === 'online'} refreshKey={historyKey + state.incoming.length + state.outgoing.length + (state.active ? 1 : 0)} />
        </>
      )}
    </main>
  );
}
