import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseClientFrame, parseParams } from '../../src/protocol/codec.ts';
import { ErrorCode, RingletError } from '../../src/protocol/errors.ts';
import { utf8Bytes } from '../../src/protocol/limits.ts';

function errorOf(fn: () => unknown): RingletError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RingletError) return err;
    throw err;
  }
  throw new Error('expected a RingletError');
}

describe('parseClientFrame', () => {
  it('accepts a ping, a login and a well-formed request', () => {
    expect(parseClientFrame({ type: 'ping' })).toEqual({ type: 'ping' });
    expect(parseClientFrame({ type: 'login', id: 'l1', userID: 'alice', userSig: 'x', resume: { lastSeq: 3 } }).type).toBe('login');
    const req = parseClientFrame({ type: 'req', id: 'r1', op: 'invite', params: { userID: 'bob', timeout: 0 } });
    expect(req).toEqual({ type: 'req', id: 'r1', op: 'invite', params: { userID: 'bob', timeout: 0 } });
  });

  for (const [what, frame, reason] of [
    ['a string', 'hello', 'frame'],
    ['null', null, 'frame'],
    ['an array', [1, 2], 'frame'],
    ['an unknown type', { type: 'hack' }, 'frame'],
    ['a ping with extra fields', { type: 'ping', x: 1 }, 'frame'],
    ['a request id with spaces', { type: 'req', id: 'a b', op: 'invite', params: {} }, 'id'],
    ['an unknown operation', { type: 'req', id: 'r', op: '__proto__', params: {} }, 'op'],
    ['a login without userSig', { type: 'login', id: 'l', userID: 'alice' }, 'userSig'],
    ['a login with a bad userID', { type: 'login', id: 'l', userID: 'a b', userSig: 's' }, 'userID'],
    ['a negative resume seq', { type: 'login', id: 'l', userID: 'a', userSig: 's', resume: { lastSeq: -1 } }, 'resume'],
  ] as const) {
    it(`rejects ${what} with 8001 '${reason}'`, () => {
      const err = errorOf(() => parseClientFrame(frame));
      expect([err.code, err.reason]).toEqual([8001, reason]);
    });
  }
});

describe('parseParams', () => {
  const cases: Array<[string, string, unknown, string]> = [
    ['invite without userID', 'invite', {}, 'userID'],
    ['invite with a 65-character userID', 'invite', { userID: 'a'.repeat(65) }, 'userID'],
    ['invite with a fractional timeout', 'invite', { userID: 'b', timeout: 1.5 }, 'timeout'],
    ['invite with a negative timeout', 'invite', { userID: 'b', timeout: -1 }, 'timeout'],
    ['invite with timeout over a day', 'invite', { userID: 'b', timeout: 86401 }, 'timeout'],
    ['invite with a string timeout', 'invite', { userID: 'b', timeout: '5' }, 'timeout'],
    ['invite with data of 8193 bytes', 'invite', { userID: 'b', data: 'x'.repeat(8193) }, 'data'],
    ['invite with data of 2731 three-byte characters', 'invite', { userID: 'b', data: '信'.repeat(2731) }, 'data'],
    ['invite with an unknown option', 'invite', { userID: 'b', priority: 1 }, 'priority'],
    ['invite with a bad offlinePushInfo', 'invite', { userID: 'b', offlinePushInfo: { title: 3 } }, 'offlinePushInfo'],
    ['inviteInGroup with an empty list', 'inviteInGroup', { groupID: 'g', inviteeList: [] }, 'inviteeList'],
    ['inviteInGroup with 101 invitees', 'inviteInGroup', { groupID: 'g', inviteeList: Array.from({ length: 101 }, (_, i) => `u${i}`) }, 'inviteeList'],
    ['inviteInGroup with duplicates', 'inviteInGroup', { groupID: 'g', inviteeList: ['a', 'a'] }, 'inviteeList'],
    ['accept without inviteID', 'accept', {}, 'inviteID'],
    ['getMessageList with a bad conversationID', 'getMessageList', { conversationID: 'X1' }, 'conversationID'],
  ];
  for (const [what, op, params, reason] of cases) {
    it(`rejects ${what} with 8001 '${reason}'`, () => {
      const err = errorOf(() => parseParams(op as 'invite', params));
      expect([err.code, err.reason]).toEqual([8001, reason]);
    });
  }

  it('accepts data of exactly 8192 bytes, in ASCII and in multi-byte UTF-8', () => {
    expect(parseParams('invite', { userID: 'b', data: 'x'.repeat(8192) }).data).toHaveLength(8192);
    const cjk = '信'.repeat(2730) + 'xx'; // 8190 + 2 bytes
    expect(utf8Bytes(cjk)).toBe(8192);
    expect(parseParams('invite', { userID: 'b', data: cjk }).data).toBe(cjk);
  });

  it('accepts the limits themselves: timeout 0 and 86400, 100 invitees', () => {
    expect(parseParams('invite', { userID: 'b', timeout: 0 }).timeout).toBe(0);
    expect(parseParams('invite', { userID: 'b', timeout: 86400 }).timeout).toBe(86400);
    expect(parseParams('inviteInGroup', { groupID: 'g', inviteeList: Array.from({ length: 100 }, (_, i) => `u${i}`) }).inviteeList).toHaveLength(100);
  });
});

describe('error codes', () => {
  /** Every code in the first column of docs/API.md's "Errors" table (ranges like 70002 / 70003 expanded). */
  function documentedCodes(): number[] {
    const doc = readFileSync(new URL('../../docs/API.md', import.meta.url), 'utf8');
    const table = doc.split('### Errors')[1]!.split('\n### ')[0]!;
    const codes: number[] = [];
    for (const line of table.split('\n')) {
      const first = /^\| ([0-9][0-9 /]*) \|/.exec(line)?.[1];
      if (first) codes.push(...first.split('/').map((c) => Number(c.trim())));
    }
    return codes;
  }

  it('docs/API.md lists exactly the codes of ErrorCode', () => {
    expect(documentedCodes().sort()).toEqual(Object.values(ErrorCode).map(Number).sort());
  });
});
