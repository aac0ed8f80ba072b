/**
 * A person's presence as the popup shows it: a coloured dot whose shape also differs
 * (a ring for offline, a bar for do-not-disturb, a filled dot with a centre for in a call),
 * so it does not rest on colour alone, and the word beside it where there is room.
 */
import type { PresenceState } from '../../../protocol/presence.ts';
import { t, type MessageKey } from '../../shared/i18n.ts';

const LABEL: Record<PresenceState, MessageKey> = {
  online: 'presenceOnline',
  in_call: 'presenceInCall',
  dnd: 'presenceDnd',
  offline: 'presenceOffline',
  unknown: 'presenceUnknown',
};

export function presenceLabel(p: PresenceState): string {
  return t(LABEL[p]);
}

/** The dot (decorative when the word is shown next to it; labelled otherwise). */
export function PresenceDot({ presence, labelled = false }: { presence: PresenceState; labelled?: boolean }) {
  const label = presenceLabel(presence);
  return labelled ? (
    <span class={`presence p-${presence}`} role="img" aria-label={label} title={label} data-presence={presence} />
  ) : (
    <span class={`presence p-${presence}`} aria-hidden="true" data-presence={presence} />
  );
}

/** The dot and the word: "● In a call". */
export function PresenceText({ presence }: { presence: PresenceState }) {
  return (
    <span class="presence-text" data-presence={presence}>
      <PresenceDot presence={presence} />
      {presenceLabel(presence)}
    </span>
  );
}
