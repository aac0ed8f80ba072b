/** What every request handler gets: the transaction, the outbox and who is asking. */
import type { RingletError } from '../protocol/errors.ts';
import type { Outbox } from './outbox.ts';
import type { StoreTx } from './store/types.ts';

/** A write request's context: its transaction, whose outbox is published after the commit. */
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

/** A read request's context: one consistent snapshot. */
export type ReadContext = Pick<RequestContext, 'tx' | 'userID' | 'now'>;

/**
 * A write handler's outcome: data to resolve with, or an error to reject with after the
 * commit (a signaling error may come with committed changes: a lazy timeout).
 */
export type Outcome<R> = { data: R } | { error: RingletError };
