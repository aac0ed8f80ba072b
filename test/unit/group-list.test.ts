import { describe, expect, it } from 'vitest';
import type { Group } from '../../src/protocol/im.ts';
import { GroupList } from '../../src/sdk/group-list.ts';

const g = (groupID: string, ownerID = 'alice'): Group => ({ groupID, name: groupID, type: 'Public', ownerID });

describe('the SDK group list (baseline + deltas)', () => {
  it('takes the first baseline silently, then fires on each real change with the whole list', () => {
    const list = new GroupList();
    expect(list.apply({ type: 'groups', groupList: [g('a'), g('b')] })).toBe(false);
    expect(list.apply({ type: 'groupDelta', change: 'added', group: g('c') })).toBe(true);
    expect(list.list.map((x) => x.groupID)).toEqual(['a', 'b', 'c']);
    expect(list.apply({ type: 'groupDelta', change: 'removed', group: g('a') })).toBe(true);
    expect(list.apply({ type: 'groupDelta', change: 'updated', group: g('b', 'bob') })).toBe(true);
    expect(list.list).toEqual([g('b', 'bob'), g('c')]);
  });

  it('ignores deltas that change nothing (a delta already in the baseline, a repeat, an unknown group)', () => {
    const list = new GroupList();
    list.apply({ type: 'groups', groupList: [g('a')] });
    expect(list.apply({ type: 'groupDelta', change: 'added', group: g('a') })).toBe(false);
    expect(list.apply({ type: 'groupDelta', change: 'removed', group: g('x') })).toBe(false);
    expect(list.apply({ type: 'groupDelta', change: 'updated', group: g('x') })).toBe(false);
    expect(list.list).toEqual([g('a')]);
  });

  it('a later baseline (reconnect) fires only when the list differs, and reset forgets it', () => {
    const list = new GroupList();
    list.apply({ type: 'groups', groupList: [g('a')] });
    expect(list.apply({ type: 'groups', groupList: [g('a')] })).toBe(false);
    expect(list.apply({ type: 'groups', groupList: [g('a', 'bob')] })).toBe(true);
    expect(list.apply({ type: 'groups', groupList: [g('a', 'bob'), g('b')] })).toBe(true);
    list.reset();
    expect(list.list).toEqual([]);
    expect(list.apply({ type: 'groups', groupList: [g('z')] })).toBe(false);
  });
});
