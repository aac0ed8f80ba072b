/**
 * My contacts (favourites) with their presence: available, in a call, do not disturb,
 * offline, or "status not shared" (they have not added me and share no group with me).
 * Each row calls the person or takes them off the list; the list scrolls inside itself so
 * the popup keeps within the browser's 600 px.
 */
import type { PresenceState } from '../../../protocol/presence.ts';
import { t } from '../../shared/i18n.ts';
import { Avatar } from '../components/Avatar.tsx';
import { CloseIcon, PhoneIcon } from '../components/icons.tsx';
import { PresenceText } from '../components/PresenceDot.tsx';
import type { Trust } from '../trust/use-trust.ts';

export function Contacts({ trust, presence, online, onCall }: { trust: Trust; presence: Readonly<Record<string, PresenceState>>; online: boolean; onCall: (userID: string) => void }) {
  const contacts = trust.lists?.contacts ?? null;
  if (contacts === null) return null;
  return (
    <section aria-labelledby="contacts-heading" class="contacts" data-testid="contacts">
      <h2 id="contacts-heading">{t('favourites')}</h2>
      {contacts.length === 0 && <p class="sub empty">{t('favouritesEmpty')}</p>}
      <ul class="list scroll-list" data-testid="contact-list">
        {contacts.map((u) => {
          const p = presence[u] ?? 'unknown';
          return (
            <li key={u} class="row-item contact" data-user={u} data-presence={p}>
              <Avatar name={u} size={28} />
              <span class="grow">
                <span class="name">{u}</span>
                <span class="sub block">
                  <PresenceText presence={p} />
                </span>
              </span>
              <button type="button" class="icon-button call-back" disabled={!online} onClick={() => onCall(u)} aria-label={t('callNamed', u)} title={t('callNamed', u)} data-testid="contact-call">
                <PhoneIcon size={18} />
              </button>
              <button type="button" class="icon-button small" disabled={!online} onClick={() => void trust.removeContact(u)} aria-label={t('removeContactNamed', u)} title={t('removeContactNamed', u)} data-testid="contact-remove">
                <CloseIcon size={16} />
              </button>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
