/** How a ringing card names the caller: the server's `inviter`, with the server's join marker when it has one. */
import type { CallEntry } from './schema.ts';
import { t } from './i18n.ts';

/** "alice", "alice, transferred by bob" or "bob adds you to a call with alice". */
export function callerLine(c: Pick<CallEntry, 'inviter' | 'join'>): string {
  if (c.join?.kind === 'transfer') return t('transferredBy', c.inviter, c.join.by);
  if (c.join?.kind === 'add') return t('addedBy', c.inviter, c.join.parties.filter((u) => u !== c.inviter).join(', '));
  return c.inviter;
}
