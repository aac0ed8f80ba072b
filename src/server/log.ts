/**
 * Structured logs (pino). Rule: no tokens, passwords or message bodies at info level;
 * the redact list is a second line of defence for fields that must never appear.
 */
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * `pretty`: human-readable lines (pino-pretty, in a worker thread) for a terminal; JSON
 * lines otherwise.
 */
export function createLogger(level: string = process.env.RINGLET_LOG_LEVEL ?? 'silent', options: { pretty?: boolean } = {}): Logger {
  return pino({
    level,
    base: { service: 'ringlet' },
    redact: { paths: ['userSig', '*.userSig', 'password', '*.password', 'secret', '*.secret', 'params.data', 'frame'], censor: '[redacted]' },
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { ignore: 'pid,hostname,service', translateTime: 'SYS:HH:MM:ss.l', singleLine: true } } } : {}),
  });
}
