/** Opens the configured store: a SQLite file (default), ':memory:', or a postgres:// URL. */
import { SqliteDriver } from './sqlite/driver.ts';
import { SqliteStore } from './sqlite/store.ts';
import type { Store } from './types.ts';

export type { Store } from './types.ts';

export async function openStore(storage: string): Promise<Store> {
  if (/^postgres(ql)?:\/\//.test(storage)) {
    const [{ PostgresDriver }, { PostgresStore }] = await Promise.all([import('./postgres/driver.ts'), import('./postgres/store.ts')]);
    return PostgresStore.open(await PostgresDriver.connect(storage));
  }
  return SqliteStore.open(new SqliteDriver(storage));
}
