/**
 * Reading and answering HTTP requests of the account endpoints: JSON bodies only
 * (`application/json`, else 415), at most `maxBytes` (else 413, answered after the body
 * is read so the client sees the answer rather than a reset), errors as the usual JSON
 * `{code, reason, message}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode, RingletError } from '../../protocol/errors.ts';

/** A request refused with a given HTTP status. */
export class HttpError extends RingletError {
  readonly status: number;
  constructor(status: number, reason: string, message: string) {
    super(ErrorCode.INVALID_PARAMETER, reason, message);
    this.status = status;
  }
}

/** Past this many bytes an oversized body is no longer drained: the connection is cut. */
const DRAIN_LIMIT = 1024 * 1024;

/** Whether the content type is JSON (`application/json`, with or without parameters). */
function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

/** The parsed JSON body (undefined when empty), or an HttpError (413, 415, 400). */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): Promise<unknown> {
  if (!isJson(req.headers['content-type'])) {
    req.resume();
    throw new HttpError(415, 'content-type', 'send the body as content-type: application/json');
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooLarge = () => new HttpError(413, 'body', `body larger than ${maxBytes} bytes`);
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT) {
    res.setHeader('connection', 'close');
    throw tooLarge();
  }
  const text = await new Promise<string | null>((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= maxBytes) chunks.push(c);
      else if (size > DRAIN_LIMIT) {
        res.setHeader('connection', 'close');
        resolve(null);
      }
    });
    req.on('end', () => resolve(size > maxBytes ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
  if (text === null) throw tooLarge();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'body', 'body is not JSON');
  }
}

/** Sends a JSON answer (never cached). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
