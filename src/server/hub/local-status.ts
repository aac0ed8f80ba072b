/** The status board of a single-node server: custom statuses in memory, changes told in process. */
import type { StatusBoard } from './types.ts';

export class LocalStatusBoard implements StatusBoard {
  readonly #custom = new Map<string, string>();
  readonly #listeners: Array<(userIDs: readonly string[]) => void> = [];

  changed(userIDs: readonly string[]): void {
    const users = [...userIDs];
    // After the caller's turn, as a message from Redis would be.
    queueMicrotask(() => {
      for (const l of this.#listeners) l(users);
    });
  }

  watch(listener: (userIDs: readonly string[]) => void): void {
    this.#listeners.push(listener);
  }

  async setCustom(userID: string, customStatus: string): Promise<void> {
    if (customStatus === '') this.#custom.delete(userID);
    else this.#custom.set(userID, customStatus);
    this.changed([userID]);
  }

  async custom(userIDs: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const u of userIDs) {
      const s = this.#custom.get(u);
      if (s !== undefined) out.set(u, s);
    }
    return out;
  }
}
