/**
 * The group list the SDK keeps for EVENT.GROUP_LIST_UPDATED. The server sends the whole
 * list once per login (the baseline) and then one delta per change; this applies them and
 * says when the list really changed, so the event still carries the whole array (API.md)
 * while the wire carries only changes.
 */
import type { GroupDeltaFrame, GroupsFrame } from '../protocol/frames.ts';
import type { Group } from '../protocol/im.ts';

export class GroupList {
  /** groupID → group, in the server's order for the baseline, then in order of joining. */
  #groups: Map<string, Group> | null = null;

  /** The list as it stands (empty before the first baseline). */
  get list(): Group[] {
    return [...(this.#groups?.values() ?? [])];
  }

  /** Forgets the list (logout): the next baseline is a first one again. */
  reset(): void {
    this.#groups = null;
  }

  /**
   * Applies one frame; true when the list changed and GROUP_LIST_UPDATED should fire. A
   * first baseline never fires (the app asks getGroupList after login); a later one (after
   * a reconnect) fires when something changed while away.
   */
  apply(frame: GroupsFrame | GroupDeltaFrame): boolean {
    if (frame.type === 'groups') {
      const before = this.#groups;
      this.#groups = new Map(frame.groupList.map((g) => [g.groupID, g]));
      return before !== null && !sameGroups(before, this.#groups);
    }
    this.#groups ??= new Map();
    const { change, group } = frame;
    const had = this.#groups.get(group.groupID);
    if (change === 'removed') return this.#groups.delete(group.groupID);
    // 'updated' for a group not in the list (a delta racing a baseline) adds nothing.
    if (change === 'updated' && !had) return false;
    if (had && sameGroup(had, group)) return false;
    this.#groups.set(group.groupID, group);
    return true;
  }
}

function sameGroup(a: Group, b: Group): boolean {
  return a.groupID === b.groupID && a.name === b.name && a.type === b.type && a.ownerID === b.ownerID;
}

function sameGroups(a: ReadonlyMap<string, Group>, b: ReadonlyMap<string, Group>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, g] of a) {
    const other = b.get(id);
    if (!other || !sameGroup(g, other)) return false;
  }
  return true;
}
