/** What every request handler gets: the transaction, the outbox and who is asking. */
import type { Outbox } from './outbox.ts';
import type { StoreTx } from './store/types.ts';

export interface RequestContext {
  tx: StoreTx;
  outbox: Outbox;
  userID: string;
  sessionID: string;
  /** Server clock, ms, fixed for the whole request. */
  now: number;
  /** New deadlines committed by this request (the timer runner is told after commit). */
  deadlines: number[];
}
