/**
 * What I can do about a person from the popup: add them to my contacts (from the call log)
 * and block them (the call log, and the ringing card, which first declines the call).
 */
import { t } from '../../shared/i18n.ts';
import type { Run } from '../hooks.ts';
import type { Trust } from '../trust/use-trust.ts';

/** A call-log row's buttons for its peer: "add to contacts" unless they are one, "block" unless blocked. */
export function PeerActions({ peer, trust, online }: { peer: string; trust: Trust; online: boolean }) {
  const { lists } = trust;
  if (!lists) return null;
  const blocked = lists.blocked.includes(peer);
  const contact = lists.contacts.includes(peer);
  return (
    <span class="peer-actions">
      {contact && <span class="tag peer-tag">{t('isContact')}</span>}
      {!contact && !blocked && (
        <button type="button" class="link" disabled={!online} onClick={() => void trust.addContact(peer)} aria-label={t('addContactNamed', peer)} title={t('addContactNamed', peer)} data-testid="add-contact">
          {t('addContact')}
        </button>
      )}
      {!blocked && (
        <button type="button" class="link" disabled={!online} onClick={() => void trust.block(peer)} aria-label={t('blockNamed', peer)} title={t('blockNamed', peer)} data-testid="block-peer">
          {t('blockCaller')}
        </button>
      )}
    </span>
  );
}

/** The ringing card's "Block": declines the call, then blocks its caller (they are not told). */
export function BlockCaller({ inviteID, inviter, run }: { inviteID: string; inviter: string; run: Run }) {
  const block = async () => {
    await run({ type: 'call/reject', inviteID });
    await run({ type: 'trust/block', userID: inviter });
  };
  return (
    <button type="button" class="link block-caller" onClick={() => void block()} aria-label={t('blockNamed', inviter)} data-testid="block-caller">
      {t('blockCaller')}
    </button>
  );
}
