/**
 * The options page's people: my contacts (remove) and the users I block (unblock), as the
 * server keeps them. Shown while signed in and online.
 */
import type { ViewState } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { useRequest } from '../hooks.ts';
import { useTrust } from '../trust/use-trust.ts';

export function People({ state }: { state: ViewState }) {
  const { run, error } = useRequest();
  const online = state.connection === 'online';
  const trust = useTrust(run, online);
  if (!online || !trust.lists) return null;
  const { contacts, blocked } = trust.lists;
  return (
    <>
      <UserList testid="contacts" title={t('contactsTitle')} hint={t('contactsHint')} empty={t('contactsEmpty')} users={contacts} action={t('removeContact')} actionLabel={(u) => t('removeContactNamed', u)} actionTestid="remove-contact" onAction={trust.removeContact} />
      <UserList testid="blocked" title={t('blockedTitle')} hint={t('blockedHint')} empty={t('blockedEmpty')} users={blocked} action={t('unblock')} actionLabel={(u) => t('unblockNamed', u)} actionTestid="unblock" onAction={trust.unblock} />
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}

interface UserListProps {
  testid: string;
  title: string;
  hint: string;
  empty: string;
  users: string[];
  /** The button on each row, its accessible name and test id, and what it does. */
  action: string;
  actionLabel: (userID: string) => string;
  actionTestid: string;
  onAction: (userID: string) => Promise<void>;
}

/** One list of people with one button per row. */
function UserList(p: UserListProps) {
  return (
    <fieldset data-testid={p.testid}>
      <legend>{p.title}</legend>
      <p class="sub">{p.hint}</p>
      {p.users.length === 0 ? (
        <p class="sub empty">{p.empty}</p>
      ) : (
        <ul class="list">
          {p.users.map((u) => (
            <li key={u} class="row-item" data-user-id={u}>
              <span class="grow name">{u}</span>
              <button type="button" onClick={() => void p.onAction(u)} aria-label={p.actionLabel(u)} data-testid={p.actionTestid}>
                {p.action}
              </button>
            </li>
          ))}
        </ul>
      )}
    </fieldset>
  );
}
