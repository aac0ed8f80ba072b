/**
 * Where the worker keeps what no web page may read: the account (its userSig) and the
 * call state (who rings, room IDs). Never `storage.local`: content scripts can read it
 * in every browser, and a content script runs inside every page.
 *
 * - `storage.session`, restricted to trusted contexts (the worker and extension pages;
 *   Chrome's default, set explicitly where the browser has `setAccessLevel`; Firefox
 *   never exposes it to content scripts). It outlives a stopped worker, not the browser.
 * - For the account only, a durable copy in the extension origin's IndexedDB, so a
 *   browser restart keeps the user signed in. A content script runs with the page's
 *   origin: its `indexedDB` is the page's, never the extension's. Where IndexedDB is
 *   missing (unit tests under Node), the account lives for the browser session only.
 */
import { browser } from 'wxt/browser';

const DB_NAME = 'ringlet-vault';
const DB_STORE = 'kv';

let restricted: Promise<void> | null = null;

/** Makes sure `storage.session` is closed to content scripts (once per worker life). */
function restrictSession(): Promise<void> {
  restricted ??= (async () => {
    const session = browser.storage.session as typeof browser.storage.session & {
      setAccessLevel?: (o: { accessLevel: 'TRUSTED_CONTEXTS' }) => Promise<void>;
    };
    // Firefox has no setAccessLevel (and keeps the area to trusted contexts anyway).
    if (typeof session.setAccessLevel !== 'function') return;
    try {
      await session.setAccessLevel({ accessLevel: 'TRUSTED_CONTEXTS' });
    } catch {
      /* only trusted contexts may call it, and that is already the default level */
    }
  })();
  return restricted;
}

function hasIndexedDB(): boolean {
  return typeof indexedDB !== 'undefined';
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

async function openDB(): Promise<IDBDatabase> {
  const open = indexedDB.open(DB_NAME, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(DB_STORE);
  return request(open);
}

async function durable<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await openDB();
  try {
    const tx = db.transaction(DB_STORE, mode);
    const result = await request(run(tx.objectStore(DB_STORE)));
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result;
  } finally {
    db.close();
  }
}

/** Reads a key: the session copy, else the durable one (then cached in the session). */
export async function vaultGet(key: string, opts: { durable: boolean }): Promise<unknown> {
  await restrictSession();
  const got = (await browser.storage.session.get(key))[key];
  if (got !== undefined || !opts.durable || !hasIndexedDB()) return got;
  const stored = await durable('readonly', (s) => s.get(key) as IDBRequest<unknown>);
  if (stored !== undefined) await browser.storage.session.set({ [key]: stored });
  return stored;
}

/** Writes (or, with `undefined`, deletes) a key in the session and, if asked, durably. */
export async function vaultSet(key: string, value: unknown, opts: { durable: boolean }): Promise<void> {
  await restrictSession();
  if (value === undefined) await browser.storage.session.remove(key);
  else await browser.storage.session.set({ [key]: value });
  if (!opts.durable || !hasIndexedDB()) return;
  if (value === undefined) await durable('readwrite', (s) => s.delete(key));
  else await durable('readwrite', (s) => s.put(value, key));
}
