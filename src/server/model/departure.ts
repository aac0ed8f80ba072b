/**
 * Members who left a group in one committed request (removed, quit, or all of them when it
 * was dismissed): the outbox carries it to after the commit, where the SFU ends their
 * grants in the group's calls (docs/SECURITY.md "The SFU").
 */
export interface Departure {
  groupID: string;
  /** Null: the group was dismissed (everyone left). */
  userIDs: string[] | null;
}
