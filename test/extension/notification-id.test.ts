import { describe, expect, it } from 'vitest';
import { formatNotificationId, parseNotificationId, type NotificationId } from '../../src/extension/background/notification-id.ts';

describe('notification ids', () => {
  it('formats each kind as the strings a woken worker finds on screen, and parses them back', () => {
    const ids: Array<[NotificationId, string]> = [
      [{ kind: 'ring', inviteID: 'inv-1' }, 'ring:inv-1'],
      [{ kind: 'missed', inviteID: 'a:b' }, 'missed:a:b'],
      [{ kind: 'signIn' }, 'auth:expired'],
    ];
    for (const [id, raw] of ids) {
      expect(formatNotificationId(id)).toBe(raw);
      expect(parseNotificationId(raw)).toEqual(id);
    }
  });

  it('reads an id that is not ours as nothing', () => {
    for (const raw of ['', 'ring:', 'ring', 'ringing:x', 'auth:other', 'other:inv-1', ':inv-1']) expect(parseNotificationId(raw)).toBeNull();
  });
});
