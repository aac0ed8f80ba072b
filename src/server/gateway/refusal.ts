/**
 * The HTTP answers to a refused WebSocket upgrade, built once: a flood of refused upgrades
 * costs one write of a ready buffer each (no JSON, no WebSocket handshake, no log line).
 */
import { ErrorCode } from '../../protocol/errors.ts';
import type { AdmissionLimits, AdmissionRefusal } from './admission.ts';

export type RefusalResponses = Record<AdmissionRefusal, Buffer>;

/** 429 answers with `{code: 8040, reason, message}` and `Retry-After: 1`. */
export function refusalResponses(limits: AdmissionLimits): RefusalResponses {
  const { perSecond, burst } = limits.connectionRatePerIP;
  return {
    connection_rate: response('connection_rate', `at most ${perSecond} WebSocket connections per second per address (burst ${burst}); retry shortly`),
    unauthenticated_sockets: response('unauthenticated_sockets', `at most ${limits.unauthenticatedPerIP} sockets per address may wait for login`),
    unauthenticated_total: response('unauthenticated_total', `at most ${limits.unauthenticatedTotal} sockets may wait for login on this server, and this address holds as many as any`),
  };
}

function response(reason: AdmissionRefusal, message: string): Buffer {
  const body = JSON.stringify({ code: ErrorCode.LIMIT_EXCEEDED, reason, message, retryAfter: 1 });
  return Buffer.from(
    `HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
