/**
 * Account administration (the admin command, cli/admin.ts; docs/ADMIN.md): add, list,
 * disable, enable, reset a password, delete. Each change is one transaction with its row
 * in admin_log; a change that revokes tokens records the generation below which they are
 * revoked, and every running node reads that row and kicks the sessions (admin-watch.ts).
 *
 * Disabling folds into the token state login already reads: it raises the token
 * generation (every token revoked) and the store then reports DISABLED_GENERATION for the
 * user, at which no token is signed; the password hash of a disabled user reads as none.
 */
import { randomBytes } from 'node:crypto';
import { ID_PATTERN } from '../../protocol/limits.ts';
import type { AdminLogEntry, Store, StoreTx, UserRecord } from '../store/types.ts';
import { ACCOUNT_LIMITS } from './account-limits.ts';
import { hashPassword } from './passwords.ts';

/** A refused admin action: printed as is by the command (exit status 1). */
export class AdminError extends Error {}

export interface AdminDeps {
  store: Store;
  /** Who acts (recorded in admin_log). */
  actor: string;
  clock: () => number;
}

/** Users listed per page (the command pages through all of them). */
const PAGE = 500;

export class Admin {
  readonly #d: AdminDeps;

  constructor(deps: AdminDeps) {
    this.#d = deps;
  }

  /** Creates a user with a password (a generated one when none is given, returned). */
  async add(userID: string, password: string | null): Promise<{ password: string }> {
    checkID(userID);
    const pw = password ?? generatePassword();
    checkPassword(pw);
    const hash = await hashPassword(pw);
    await this.#change('add', userID, async (tx, now) => {
      if (!(await tx.createUserWithPassword(userID, hash, now))) throw new AdminError(`user ${userID} already exists (IDs of deleted users are never reused)`);
      return { detail: 'created with a password', revokeBelow: null };
    });
    return { password: pw };
  }

  /** Every user, in ID order. */
  list(): AsyncGenerator<UserRecord> {
    return allUsers(this.#d.store);
  }

  /** Every recorded change, oldest first. */
  async *history(): AsyncGenerator<AdminLogEntry & { id: number }> {
    for (let after = 0; ;) {
      const from = after;
      const page = await this.#d.store.read((tx) => tx.adminLogAfter(from, PAGE));
      yield* page;
      if (page.length < PAGE) return;
      after = page[page.length - 1]!.id;
    }
  }

  /** Refuses every sign-in of the user and revokes every token (their sessions are kicked). */
  disable(userID: string): Promise<void> {
    return this.#change('disable', userID, async (tx, now) => {
      const user = await existing(tx, userID);
      if (user.disabledAt !== null) throw new AdminError(`user ${userID} is already disabled`);
      await tx.setDisabled(userID, now);
      return { detail: 'disabled; every token revoked', revokeBelow: await tx.bumpTokenGeneration(userID) };
    });
  }

  /** Lets the user sign in again (tokens from before the disable stay revoked). */
  enable(userID: string): Promise<void> {
    return this.#change('enable', userID, async (tx) => {
      const user = await existing(tx, userID);
      if (user.disabledAt === null) throw new AdminError(`user ${userID} is not disabled`);
      await tx.setDisabled(userID, null);
      return { detail: 'enabled', revokeBelow: null };
    });
  }

  /** Sets a new password (a generated one when none is given, returned) and revokes every token. */
  async resetPassword(userID: string, password: string | null): Promise<{ password: string }> {
    const pw = password ?? generatePassword();
    checkPassword(pw);
    const hash = await hashPassword(pw);
    await this.#change('reset-password', userID, async (tx) => {
      await existing(tx, userID);
      await tx.setPasswordHash(userID, hash);
      return { detail: 'password reset; every token revoked', revokeBelow: await tx.bumpTokenGeneration(userID) };
    });
    return { password: pw };
  }

  /**
   * Deletes the account: a tombstone (the ID is never reused) without password, disabled,
   * every token revoked. The user leaves each group as by quitGroup (an owner hands the
   * group to the longest-standing member, the last member dismisses it); messages stay in
   * the history of whoever shares the conversation.
   */
  delete(userID: string): Promise<void> {
    return this.#change('delete', userID, async (tx, now) => {
      await existing(tx, userID);
      const groups = await tx.groupsOf(userID);
      for (const g of groups) {
        const rest = (await tx.groupMembers(g.groupID)).filter((m) => m.userID !== userID);
        if (rest.length === 0) {
          await tx.dismissGroup(g.groupID, now);
          continue;
        }
        await tx.removeMembers(g.groupID, [userID], now);
        if (g.ownerID === userID) await tx.setGroupOwner(g.groupID, rest[0]!.userID);
      }
      await tx.markDeleted(userID, now);
      return { detail: `deleted; left ${groups.length} group(s); every token revoked`, revokeBelow: await tx.bumpTokenGeneration(userID) };
    });
  }

  async #change(action: AdminLogEntry['action'], userID: string, fn: (tx: StoreTx, now: number) => Promise<Pick<AdminLogEntry, 'detail' | 'revokeBelow'>>): Promise<void> {
    checkID(userID);
    const now = this.#d.clock();
    await this.#d.store.write(async (tx) => {
      const done = await fn(tx, now);
      await tx.appendAdminLog({ at: now, actor: this.#d.actor, action, userID, ...done });
    });
  }
}

/** Every user in the store, in ID order, read a page at a time. */
export async function* allUsers(store: Store): AsyncGenerator<UserRecord> {
  for (let after: string | null = null; ;) {
    const from: string | null = after;
    const page: UserRecord[] = await store.read((tx) => tx.listUsers(from, PAGE));
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.userID;
  }
}

async function existing(tx: StoreTx, userID: string): Promise<UserRecord> {
  const user = await tx.getUser(userID);
  if (!user) throw new AdminError(`no user ${userID}`);
  if (user.deletedAt !== null) throw new AdminError(`user ${userID} was deleted`);
  return user;
}

function checkID(userID: string): void {
  if (!ID_PATTERN.test(userID)) throw new AdminError('userID: 1 to 64 characters of [A-Za-z0-9_.@-]');
}

function checkPassword(pw: string): void {
  const { minPasswordLength: min, maxPasswordLength: max } = ACCOUNT_LIMITS;
  if ([...pw].length < min || pw.length > max) throw new AdminError(`password: at least ${min} and at most ${max} characters`);
}

/** 16 random bytes as base64url (22 characters). */
function generatePassword(): string {
  return randomBytes(16).toString('base64url');
}
