/**
 * The popup's Hold / Resume for the call in progress (1:1 calls), with who holds it; the
 * worker's `call/hold` request does the rest (docs/CALLS.md "Hold"). Self-contained so the
 * call-in-progress card can place it where it fits.
 */
import type { ActiveCall } from '../../shared/schema.ts';
import { t } from '../../shared/i18n.ts';
import { PauseIcon } from '../components/icons.tsx';
import type { Run } from '../hooks.ts';
import { holdText } from '../call/HoldViews.tsx';

export function HoldButton({ active, me, run }: { active: ActiveCall; me: string; run: Run }) {
  if (active.groupID) return null;
  const mine = (active.holders ?? []).includes(me);
  const text = holdText(active, me);
  return (
    <div class="hold-row" data-testid="popup-hold-row">
      {text && (
        <span class="sub grow" role="status" data-testid="popup-hold-text">
          {text}
        </span>
      )}
      <button type="button" class="pill" aria-pressed={mine} onClick={() => void run({ type: 'call/hold', inviteID: active.inviteID, on: !mine })} data-testid="popup-hold">
        <PauseIcon size={16} />
        {mine ? t('resume') : t('hold')}
      </button>
    </div>
  );
}
