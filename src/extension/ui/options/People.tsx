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
      <fieldset data-testid="contacts">
        <legend>{t('contactsTitle')}</legend>
        <p class="sub">{t('contactsHint')}</p>
        {contacts.length === 0 ? (
          <p class="sub empty">{t('contactsEmpty')}</p>
        ) : (
          <ul class="list">
            {contacts.map((u) => (
              <li key={u} class="row-item" data-user-id={u}>
                <span class="grow name">{u}</span>
                <button type="button" onClick={() => void trust.removeContact(u)} aria-label={t('removeContactNamed', u)} data-testid="remove-contact">
                  {t('removeContact')}
                </button>
              </li>
            ))}
          </ul>
        )}
      </fieldset>
      <fieldset data-testid="blocked">
        <legend>{t('blockedTitle')}</legend>
        <p class="sub">{t('blockedHint')}</p>
        {blocked.length === 0 ? (
          <p class="sub empty">{t('blockedEmpty')}</p>
        ) : (
          <ul class="list">
            {blocked.map((u) => (
              <li key={u} class="row-item" data-user-id={u}>
                <span class="grow name">{u}</span>
                <button type="button" onClick={() => void trust.unblock(u)} aria-label={t('unblockNamed', u)} data-testid="unblock">
                  {t('unblock')}
                </button>
              </li>
            ))}
          </ul>
        )}
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </fieldset>
    </>
  );
}
