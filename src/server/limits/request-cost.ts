/**
 * What a request costs before it runs (`request_cost`, SECURITY.md "The cost model"): one
 * token, plus one per entry of every list it carries (createGroup's `memberList`,
 * addGroupMember's and deleteGroupMember's `userIDList`, inviteInGroup's `inviteeList`, and
 * any list op added later), from a per-user token bucket, so a request naming 999 users
 * costs what 999 small ones do. The user IDs a write names that must exist are looked up
 * on a read snapshot before the write transaction starts: a request naming unknown users
 * is refused (8002) without taking the write lock, and its reply lists them once.
 */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';
import type { Op, OpParams, WriteOp } from '../../protocol/ops.ts';

/** 1 + the entries of every top-level list parameter. */
export function requestCost(params: unknown): number {
  let cost = 1;
  if (typeof params === 'object' && params !== null) for (const v of Object.values(params)) if (Array.isArray(v)) cost += v.length;
  return cost;
}

/** The users a write names that must already exist (the others are checked by their handler). */
const NAMED_USERS: { readonly [K in WriteOp]?: (p: OpParams<K>) => readonly string[] } = {
  createGroup: (p) => p.memberList ?? [],
  addGroupMember: (p) => p.userIDList,
};

export function namedUsers<K extends Op>(op: K, params: OpParams<K>): readonly string[] {
  const pick = (NAMED_USERS as Partial<Record<Op, (p: OpParams<K>) => readonly string[]>>)[op];
  return pick ? pick(params) : [];
}

/** Names shown in the message of an 8002 (the reply's `userIDList` has them all). */
const NAMED_IN_MESSAGE = 5;

/** Throws 8002 `user_not_found` (with `userIDList`) when some of `ids` do not exist (`existing`: a read of the store). */
export async function refuseUnknownUsers(existing: (ids: readonly string[]) => Promise<Set<string>>, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const unique = [...new Set(ids)];
  const known = await existing(unique);
  const missing = unique.filter((u) => !known.has(u));
  if (missing.length === 0) return;
  const more = missing.length > NAMED_IN_MESSAGE ? ` and ${missing.length - NAMED_IN_MESSAGE} more` : '';
  throw new RingletError(ErrorCode.USER_NOT_FOUND, 'user_not_found', `users do not exist: ${missing.slice(0, NAMED_IN_MESSAGE).join(', ')}${more}`, { userIDList: missing });
}
