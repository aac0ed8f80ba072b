/** What a status stands for in the views (protocol/presence.ts), and the frame's codec check. */
import { describe, expect, it } from 'vitest';
import { decodeServerFrame, serverFrame } from '../../src/protocol/codec.ts';
import { CUSTOM_STATUS, presenceOf, USER_STATUS } from '../../src/protocol/presence.ts';

describe('presenceOf', () => {
  it('maps Tencent statuses and Ringlet custom statuses to what the popup shows; an app\'s own custom status is online', () => {
    const of = (statusType: number, customStatus = '') => presenceOf({ statusType: statusType as 0 | 1 | 2 | 3, customStatus });
    expect(of(USER_STATUS.UNKNOWN)).toBe('unknown');
    expect(of(USER_STATUS.OFFLINE)).toBe('offline');
    expect(of(USER_STATUS.UNLOGINED)).toBe('offline');
    expect(of(USER_STATUS.ONLINE)).toBe('online');
    expect(of(USER_STATUS.ONLINE, CUSTOM_STATUS.IN_CALL)).toBe('in_call');
    expect(of(USER_STATUS.ONLINE, CUSTOM_STATUS.DND)).toBe('dnd');
    expect(of(USER_STATUS.ONLINE, 'lunch')).toBe('online');
    // A custom status is never shown for someone offline or not shown.
    expect(of(USER_STATUS.OFFLINE, CUSTOM_STATUS.DND)).toBe('offline');
    expect(of(USER_STATUS.UNKNOWN, CUSTOM_STATUS.IN_CALL)).toBe('unknown');
  });

  it('the userStatus frame round-trips; a malformed one is a bad frame', () => {
    const list = [{ userID: 'bob', statusType: USER_STATUS.ONLINE, customStatus: 'dnd' }];
    expect(decodeServerFrame(serverFrame.userStatus(list))).toEqual({ type: 'userStatus', userStatusList: list });
    expect(() => decodeServerFrame(JSON.stringify({ type: 'userStatus', userStatusList: [{ userID: 'bob', statusType: 7, customStatus: '' }] }))).toThrow(/malformed user status/);
  });
});
