/** Signed in: who and where, sign out, and a way back to the setup check. */
import type { ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { useRequest } from '../hooks.ts';

export function AccountSummary({ state, onCheckSetup, onSignedOut }: { state: ViewState; onCheckSetup: (() => void) | null; onSignedOut: () => void }) {
  const { run, busy, error } = useRequest();
  const signOut = async () => {
    if ((await run({ type: 'account/signOut' })) !== undefined) onSignedOut();
  };
  return (
    <fieldset data-testid="account">
      <legend>{t('account')}</legend>
      <p>
        {t('signedInAs', state.userID ?? '')} · <span class="sub">{state.server}</span>
      </p>
      <div class="row">
        <button type="button" onClick={() => void signOut()} disabled={busy} data-testid="sign-out">
          {t('signOut')}
        </button>
        {onCheckSetup && (
          <button type="button" onClick={onCheckSetup} data-testid="check-setup">
            {t('checkSetup')}
          </button>
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
