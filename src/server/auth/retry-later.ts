/** An account request refused for now: HTTP 429 (or 503) with `Retry-After`. */
import { ErrorCode, RingletError } from '../../protocol/errors.ts';

export class RetryLater extends RingletError {
  /** Seconds until a retry may succeed (the `Retry-After` header). */
  readonly retryAfter: number;
  /** 429: this client or account; 503: the whole server is at its bound. */
  readonly status: 429 | 503;

  constructor(limit: string, detail: string, retryAfter: number, status: 429 | 503 = 429) {
    super(ErrorCode.LIMIT_EXCEEDED, limit, `limit "${limit}" exceeded: ${detail}; retry after ${retryAfter} s`);
    this.retryAfter = Math.max(1, Math.ceil(retryAfter));
    this.status = status;
  }

  override toBody() {
    return { ...super.toBody(), retryAfter: this.retryAfter };
  }
}
