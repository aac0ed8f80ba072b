/**
 * CORS for /api/*: only browser-extension origins may read the answers (the Ringlet
 * extension needs no host permission that way). Never `*`: a web page must not be able
 * to drive sign-in attempts from its visitors' browsers. Pages can still send "simple"
 * requests without a preflight, which is why the endpoints also insist on
 * `application/json` (a preflighted type).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const EXTENSION_ORIGIN = /^(chrome-extension|moz-extension):\/\/[A-Za-z0-9-]{1,64}$/;

/** Whether `origin` is a browser extension's. */
function isExtensionOrigin(origin: string | undefined): origin is string {
  return typeof origin === 'string' && EXTENSION_ORIGIN.test(origin);
}

/** Adds CORS headers for an extension origin; nothing for any other. */
export function applyCors(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  if (!isExtensionOrigin(origin)) return;
  res.setHeader('access-control-allow-origin', origin);
  res.setHeader('access-control-allow-methods', 'POST');
  res.setHeader('access-control-allow-headers', 'content-type, authorization');
  res.setHeader('access-control-expose-headers', 'retry-after');
  res.setHeader('access-control-max-age', '600');
}
