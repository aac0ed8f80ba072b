/**
 * The error vocabulary shared by server and SDK. Codes and reasons are part of the
 * contract (API.md "Errors"); everything that fails carries one of them.
 */
export const ErrorCode = {
  /** A parameter is missing, of the wrong type or out of its limits; reason = its name. */
  INVALID_PARAMETER: 8001,
  USER_NOT_FOUND: 8002,
  GROUP_NOT_FOUND: 8003,
  NOT_GROUP_MEMBER: 8004,
  /** Accept/reject of an unknown invitation or of a part that already ended. */
  INVITE_PART_ENDED: 8010,
  NOT_PERMITTED: 8011,
  /** Cancel of an unknown invitation or of one with no pending invitee. */
  CANCEL_NOT_POSSIBLE: 8020,
  /** Group management by someone who is not the owner (dismissGroup, deleteGroupMember). */
  NOT_GROUP_OWNER: 8030,
  /** createGroup with a groupID that exists or existed (a dismissed group's ID is never reused). */
  GROUP_EXISTS: 8031,
  /** A per-user or per-group limit would be exceeded; reason = the limit's name. */
  LIMIT_EXCEEDED: 8040,
  NOT_LOGGED_IN: 2024,
  /** The server could not be reached (login) or the connection failed for good. */
  NETWORK: 2800,
  /** A request got no answer in time (connection lost for too long). */
  REQUEST_TIMEOUT: 2801,
  /** The server is overloaded or failed unexpectedly; the request was not applied. */
  INTERNAL: 2802,
  BAD_USER_SIG: 70001,
  /** Account endpoints (HTTP): register with a taken userID. */
  USER_EXISTS: 70002,
  /** Account endpoints: wrong password or unknown user (never told apart). */
  BAD_CREDENTIALS: 70003,
  /** Account endpoints: registration is turned off on this server. */
  REGISTRATION_DISABLED: 70004,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** How an invitee part (or a whole invitation) ended, used as the reason of 8010/8020. */
export type EndReason = 'accepted' | 'rejected' | 'timeout' | 'cancelled';

/** The wire shape of an error: what a failed response frame carries. */
export interface ErrorBody {
  code: number;
  reason: string;
  message: string;
  userIDList?: string[];
}

/** An error with a stable numeric `code` and a machine-readable `reason`. */
export class RingletError extends Error implements ErrorBody {
  readonly code: number;
  readonly reason: string;
  readonly userIDList?: string[];

  constructor(code: number, reason: string, message: string, options?: { cause?: unknown; userIDList?: string[] }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RingletError';
    this.code = code;
    this.reason = reason;
    if (options?.userIDList) this.userIDList = options.userIDList;
  }

  /** The frame body of this error. */
  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, reason: this.reason, message: this.message };
    if (this.userIDList) body.userIDList = this.userIDList;
    return body;
  }

  static fromBody(body: ErrorBody): RingletError {
    return new RingletError(body.code, body.reason, body.message, body.userIDList ? { userIDList: body.userIDList } : undefined);
  }
}

/** 8001 for the named parameter. */
export function invalidParameter(name: string, detail: string): RingletError {
  return new RingletError(ErrorCode.INVALID_PARAMETER, name, `invalid parameter "${name}": ${detail}`);
}

/** 8040 for the named limit (API.md errors: the limit's name is the reason). */
export function limitExceeded(limit: string, detail: string): RingletError {
  return new RingletError(ErrorCode.LIMIT_EXCEEDED, limit, `limit "${limit}" exceeded: ${detail}`);
}
