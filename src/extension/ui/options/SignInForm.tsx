/**
 * Signed out: server, user ID and password, "Sign in" and "Create account". The password
 * rule is stated under the field and checked before sending; a sign-in the server refuses
 * with 70003 offers to create the account with the same details, unless registration has
 * said the ID is taken: then the password is wrong (signInErrors.ts).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Failure, ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { ErrorCode } from '../../../protocol/errors.ts';
import { request, RequestError } from '../../messaging/client.ts';
import { readManagedServer, type ManagedServer } from '../../shared/managed.ts';
import { serverURLProblem } from '../../shared/server-url.ts';
import { failureView, PASSWORD_LENGTH, passwordTooShort } from './signInErrors.ts';

/** The worker's failure, and whether to offer creating the account. */
interface FormFailure extends Failure {
  offerCreate: boolean;
}

export function SignInForm({ state, onSignedIn }: { state: ViewState; onSignedIn: (created: boolean) => void }) {
  const [server, setServer] = useState(state.server);
  const [userID, setUserID] = useState(state.userID ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<FormFailure | null>(null);
  // Per server and user ID: registration said it exists; a sign-in with it failed.
  const existing = useRef(new Set<string>());
  const failedSignIn = useRef(new Set<string>());
  const [managed, setManaged] = useState<ManagedServer>({ serverURL: null, locked: false });
  useEffect(() => {
    void readManagedServer().then((m) => {
      setManaged(m);
      if (m.locked && m.serverURL) setServer(m.serverURL);
    });
  }, []);

  const submit = async (create: boolean) => {
    setFailure(null);
    // Refused before the password leaves: plain ws:// to another computer, or not a ws(s) URL.
    const problem = serverURLProblem(server);
    if (problem) {
      setFailure({ code: 'bad_server', message: t(problem.key, ...problem.subs), offerCreate: false });
      return;
    }
    if (passwordTooShort(password)) {
      setFailure({ code: 8001, message: t('errorPasswordRule', PASSWORD_LENGTH.min, PASSWORD_LENGTH.max), offerCreate: false });
      return;
    }
    setBusy(true);
    try {
      await request({ type: 'account/signIn', server: server.trim(), userID: userID.trim(), password, create });
      setPassword('');
      onSignedIn(create);
    } catch (e) {
      const code = e instanceof RequestError ? e.code : 'internal';
      const id = userID.trim();
      const account = `${server.trim()}\n${id}`;
      if (code === ErrorCode.USER_EXISTS) existing.current.add(account);
      if (code === ErrorCode.BAD_CREDENTIALS && !create) failedSignIn.current.add(account);
      const view = failureView(code, create, { exists: existing.current.has(account), signInFailed: failedSignIn.current.has(account) });
      const message = view.key ? t(view.key, id) : e instanceof Error ? e.message : String(e);
      setFailure({ code, message, offerCreate: view.offerCreate });
    } finally {
      setBusy(false);
    }
  };
  const field = (set: (v: string) => void) => (e: Event) => set((e.target as HTMLInputElement).value);

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
          <input
            type="url"
            name="server"
            value={server}
            onInput={field(setServer)}
            required
            readOnly={managed.locked}
            aria-describedby={managed.locked ? 'server-managed' : undefined}
            data-testid="server"
          />
          {managed.locked && (
            <span id="server-managed" class="sub" data-testid="server-managed">
              {t('serverManaged')}
            </span>
          )}
        </label>
        <label class="field">
          {t('userID')}
          <input type="text" name="userID" autoComplete="username" value={userID} onInput={field(setUserID)} required pattern="[A-Za-z0-9_.@\-]{1,64}" data-testid="user-id" />
        </label>
        <label class="field">
          {t('password')}
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            value={password}
            onInput={field(setPassword)}
            required
            maxLength={PASSWORD_LENGTH.max}
            aria-describedby="password-rule"
            data-testid="password"
          />
          <span id="password-rule" class="sub" data-testid="password-rule">
            {t('passwordRule', PASSWORD_LENGTH.min)}
          </span>
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
              const form = (e.currentTarget as HTMLButtonElement).form;
              if (form?.reportValidity()) void submit(true);
            }}
          >
            {t('createAccount')}
          </button>
        </div>
      </form>
      {failure && (
        <div class="error-box" role="alert" data-testid="account-error" data-code={String(failure.code)}>
          <p class="error">{failure.message}</p>
          {failure.offerCreate && (
            <p class="row">
              {t('newHere')}
              <button type="button" class="primary" disabled={busy} onClick={() => void submit(true)} data-testid="offer-create">
                {t('createThisAccount')}
              </button>
            </p>
          )}
        </div>
      )}
    </fieldset>
  );
}
