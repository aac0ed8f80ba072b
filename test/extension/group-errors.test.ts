/** Every refusal of a group op reaches the popup in words (background/errors.ts, messaging/worker.ts). */
import { describe, expect, it } from 'vitest';
import { ErrorCode, RingletError } from '../../src/protocol/errors.ts';
import { fromSdk } from '../../src/extension/background/errors.ts';
import { setLanguage, t } from '../../src/extension/shared/i18n.ts';

function words(e: RingletError): string {
  const v = fromSdk(e);
  return t(v.key, ...v.subs.map((s) => (typeof s === 'string' ? s : t(s.key))));
}

describe('group refusals in words', () => {
  it('says who may do what, and names the limit', () => {
    setLanguage('en');
    expect(words(new RingletError(ErrorCode.NOT_GROUP_OWNER, 'not_owner', 'x'))).toBe("Only the group's owner may do that.");
    expect(words(new RingletError(ErrorCode.GROUP_EXISTS, 'group_exists', 'x'))).toBe('A group with that ID exists (or existed): IDs are never reused.');
    expect(words(new RingletError(ErrorCode.NOT_PERMITTED, 'join_not_allowed', 'x'))).toBe('This group cannot be joined by ID: ask a member to add you.');
    expect(words(new RingletError(ErrorCode.LIMIT_EXCEEDED, 'group_size', 'x'))).toBe('Limit reached (group_size): a group has at most 1,000 members.');
    expect(words(new RingletError(ErrorCode.LIMIT_EXCEEDED, 'groups_per_user', 'x', { userIDList: ['bob'] }))).toBe('Limit reached (groups_per_user): a person can be in at most 500 groups.');
    expect(words(new RingletError(ErrorCode.LIMIT_EXCEEDED, 'a_new_limit', 'x'))).toBe('Limit reached (a_new_limit): try again later.');
    expect(words(new RingletError(ErrorCode.NOT_GROUP_MEMBER, 'not_group_member', 'x', { userIDList: ['eve'] }))).toBe('Not in the group: eve.');
    // 8011 for anything else keeps its general sentence.
    expect(words(new RingletError(ErrorCode.NOT_PERMITTED, 'not_invitee', 'x'))).toBe('You may not do that for this call.');
  });

  it('says it in Simplified Chinese too', () => {
    setLanguage('zh_CN');
    expect(words(new RingletError(ErrorCode.LIMIT_EXCEEDED, 'group_size', 'x'))).toBe('已达上限（group_size）：一个群组最多 1000 名成员。');
    setLanguage('en');
  });
});
