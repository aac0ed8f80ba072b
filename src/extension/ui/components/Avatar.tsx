/** A round avatar with a user's initials on their colour. */
import { avatarColour, initials } from './avatar.ts';

export function Avatar({ name, size = 40, group = false }: { name: string; size?: number; group?: boolean }) {
  return (
    <span class="avatar" aria-hidden="true" style={{ width: `${size}px`, height: `${size}px`, fontSize: `${Math.round(size * 0.4)}px`, background: avatarColour(name) }} data-group={group ? 'true' : undefined}>
      {initials(name)}
    </span>
  );
}
