/**
 * The settings every node of a cluster must agree on (e.g. whether it has an SFU): each
 * node records its own in one hash and compares them with the live nodes'.
 */
import type { Redis } from 'ioredis';
import type { RedisNames } from './redis-channels.ts';

export interface SettingDifference {
  node: string;
  setting: string;
  theirs: string | undefined;
  ours: string | undefined;
}

/**
 * Records this node's share of the settings and returns where a live node differs.
 * Entries of nodes that are gone are dropped on the way.
 */
export async function compareSettings(pub: Redis, names: RedisNames, live: ReadonlySet<string>, mine: Record<string, string>): Promise<SettingDifference[]> {
  await pub.hset(names.settings, names.nodeID, JSON.stringify(mine));
  const all = await pub.hgetall(names.settings);
  const out: SettingDifference[] = [];
  for (const [node, text] of Object.entries(all)) {
    if (node === names.nodeID) continue;
    if (!live.has(node)) {
      await pub.hdel(names.settings, node);
      continue;
    }
    let theirs: Record<string, string> = {};
    try {
      theirs = JSON.parse(text) as Record<string, string>;
    } catch {
      /* a malformed entry differs in every setting */
    }
    for (const setting of new Set([...Object.keys(mine), ...Object.keys(theirs)])) {
      if (theirs[setting] !== mine[setting]) out.push({ node, setting, theirs: theirs[setting], ours: mine[setting] });
    }
  }
  return out;
}
