/**
 * Records the USER_STATUS_UPDATED events a chat hears, so a test can wait for a status
 * (never sleep for one): `const f = statusFeed(chat); await f.until('bob', ONLINE, '')`.
 */
import { EVENT, type Chat, type UserStatus } from '../../src/sdk/index.ts';

export interface StatusFeed {
  /** Every status heard, in arrival order, with when it arrived (performance.now()). */
  readonly heard: Array<UserStatus & { at: number }>;
  /** Resolves with the arrival time of the first status (past or future) of `userID` matching, heard after index `from`. */
  until(userID: string, statusType: number, customStatus?: string, from?: number, timeoutMs?: number): Promise<number>;
  /** The last status heard of `userID`. */
  last(userID: string): UserStatus | undefined;
}

export function statusFeed(chat: Pick<Chat, 'on'>): StatusFeed {
  const heard: StatusFeed['heard'] = [];
  const waiters: Array<() => void> = [];
  chat.on(EVENT.USER_STATUS_UPDATED, (e) => {
    const at = performance.now();
    for (const s of e.data) heard.push({ ...s, at });
    for (const w of waiters.splice(0)) w();
  });
  const find = (userID: string, statusType: number, customStatus: string | undefined, from: number) =>
    heard.slice(from).find((s) => s.userID === userID && s.statusType === statusType && (customStatus === undefined || s.customStatus === customStatus));
  return {
    heard,
    last: (userID) => heard.filter((s) => s.userID === userID).at(-1),
    until(userID, statusType, customStatus, from = 0, timeoutMs = 8000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no status ${statusType}/${customStatus ?? '*'} of ${userID} within ${timeoutMs} ms; heard ${JSON.stringify(heard.slice(from))}`)), timeoutMs);
        const check = () => {
          const s = find(userID, statusType, customStatus, from);
          if (s) {
            clearTimeout(timer);
            resolve(s.at);
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}
