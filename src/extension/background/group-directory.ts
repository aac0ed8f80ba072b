/**
 * A directory of group names and owners learned along the way: a ringing group call shows
 * the group's name; classroom mode trusts only the owner. Filled by the groups feature's
 * list and by lookups when an invitation names a group.
 */
import type { Group } from '../../protocol/im.ts';
import { sdkCall } from './errors.ts';
import type { SessionChat } from './session.ts';

export interface GroupInfo {
  name?: string;
  owner?: string;
}

export class GroupDirectory {
  readonly #names = new Map<string, string>();
  readonly #owners = new Map<string, string>();

  #remember(g: Pick<Group, 'groupID' | 'name' | 'ownerID'>): void {
    this.#names.set(g.groupID, g.name || g.groupID);
    if (g.ownerID) this.#owners.set(g.groupID, g.ownerID);
  }

  /** The group's name and owner, asked once; unknown when the server cannot say. */
  async lookup(chat: SessionChat, groupID: string): Promise<GroupInfo> {
    if (!this.#names.has(groupID)) {
      try {
        const { data } = await chat.getGroupProfile({ groupID });
        this.#remember(data.group);
      } catch {
        return {};
      }
    }
    return this.known(groupID);
  }

  /** What is known without asking. */
  known(groupID: string): GroupInfo {
    const name = this.#names.get(groupID);
    const owner = this.#owners.get(groupID);
    return { ...(name ? { name } : {}), ...(owner ? { owner } : {}) };
  }

  async list(chat: SessionChat): Promise<Group[]> {
    const { data } = await sdkCall(() => chat.getGroupList());
    for (const g of data.groupList) this.#remember(g);
    return data.groupList;
  }
}
