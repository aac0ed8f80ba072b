/** Initials and a stable colour per user, so audio-only participants are told apart. */

/** Background colours that all keep white initials above 4.5:1 contrast. */
export const AVATAR_COLOURS = ['#1565c0', '#2e7d32', '#6a1b9a', '#c2185b', '#00695c', '#4527a0', '#ad1457', '#37474f', '#0277bd', '#5d4037'] as const;

/** Up to two letters: "alice" → "A", "bob.smith" → "BS". */
export function initials(name: string): string {
  const parts = name.split(/[\s._@-]+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0]!.charAt(0) + parts[1]!.charAt(0) : (parts[0] ?? '?').charAt(0);
  return letters.toUpperCase();
}

/** The same user always gets the same colour (FNV-1a of the ID). */
export function avatarColour(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return AVATAR_COLOURS[(h >>> 0) % AVATAR_COLOURS.length]!;
}
