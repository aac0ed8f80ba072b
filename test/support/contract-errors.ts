/**
 * A server logger for tests that keeps the dispatcher's warnings about error codes an op
 * answered without its contract entry (protocol/ops.ts `errors`) listing them: a test
 * harness fails its test when one was logged, so the contract's errors stay true.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Logger } from '../../src/server/log.ts';

const UNDECLARED = 'an error code the op contract does not declare';

export function contractErrorWatch(): { logger: Logger; undeclared: () => string[] } {
  const seen: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      const line = String(chunk);
      if (line.includes(UNDECLARED)) {
        const { op, code, reason } = JSON.parse(line) as { op: string; code: number; reason: string };
        seen.push(`${op} answered ${code} ${reason}`);
      }
      done();
    },
  });
  return { logger: pino({ level: 'warn' }, stream), undeclared: () => [...seen] };
}
