/**
 * The popup's Hold / Resume for the call in progress (1:1 calls), placed in the call card
 * between Mute and Hang up (who holds shows in the card's status line); the worker's
 * `call/hold` request does the rest (docs/CALLS.md "Hold").
 */
import type { ActiveCall } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { PauseIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';
import { isHoldable } from '../../background/calls.ts';

export function HoldButton({ active, me, run }: { active: ActiveCall; me: string; run: Run }) {
  if (!isHoldable(active)) return null;
  const mine = (active.holders ?? []).includes(me);
  return (
    <button type="button" class="pill" aria-pressed={mine} onClick={() => void run({ type: 'call/hold', inviteID: active.inviteID, on: !mine })} data-testid="popup-hold">
      <PauseIcon size={18} />
      {mine ? t('resume') : t('hold')}
    </button>
  );
}
