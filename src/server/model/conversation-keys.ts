/** How the store keys a conversation: the same key for both users of a C2C conversation. */

/** The store key of a C2C conversation: the same for both users. */
export function c2cKey(a: string, b: string): string {
  return a < b ? `c2c:${a}:${b}` : `c2c:${b}:${a}`;
}

/** The store key of a group's conversation. */
export function groupKey(groupID: string): string {
  return `group:${groupID}`;
}
