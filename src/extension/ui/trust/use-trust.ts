/** My contacts and block list as the worker reads them from the server, and the changes a view makes to them. */
import { useEffect, useState } from 'preact/hooks';
import type { TrustLists } from '../../shared/schema.ts';
import type { Run } from '../hooks.ts';

export interface Trust {
  /** null until loaded (or while offline). */
  lists: TrustLists | null;
  block(userID: string): Promise<void>;
  unblock(userID: string): Promise<void>;
  addContact(userID: string): Promise<void>;
  removeContact(userID: string): Promise<void>;
}

/** Loads the lists when online and again whenever `refreshKey` changes (e.g. a caller was just blocked from the ringing card). */
export function useTrust(run: Run, online: boolean, refreshKey = ''): Trust {
  const [lists, setLists] = useState<TrustLists | null>(null);
  useEffect(() => {
    if (!online) return;
    void run({ type: 'trust/lists' }).then((l) => l && setLists(l));
  }, [online, refreshKey]);
  const change = async (type: 'trust/block' | 'trust/unblock' | 'trust/addContact' | 'trust/removeContact', userID: string) => {
    const next = await run({ type, userID });
    if (next) setLists(next);
  };
  return {
    lists,
    block: (u) => change('trust/block', u),
    unblock: (u) => change('trust/unblock', u),
    addContact: (u) => change('trust/addContact', u),
    removeContact: (u) => change('trust/removeContact', u),
  };
}
