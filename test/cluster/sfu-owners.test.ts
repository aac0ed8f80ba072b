/**
 * Which node runs a call's SFU room work (src/server/sfu/owners.ts), on the real Redis:
 * the first grant claims the call, other nodes forward to the claimer and get its answer
 * or its error, work for a call nobody claimed runs where it was asked without claiming,
 * a claim whose node is gone is taken over, an owner that does not answer is an error
 * within the timeout (never a hang), malformed requests are ignored, and a node gives up
 * only its own claims. Each test uses its own key prefix.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RingletError } from '../../src/protocol/errors.ts';
import { createLogger } from '../../src/server/log.ts';
import { RoomOwners, type RoomWork } from '../../src/server/sfu/owners.ts';
import { REDIS_URL, skipUnless } from '../support/backends.ts';

const skip = await skipUnless('redis');
const log = createLogger('silent');
const floor = { classroom: true, teacher: 't', speaker: null };
const holder = { inviter: 't', groupID: 'g' };

describe.skipIf(skip)('SFU room owners on Redis', () => {
  let redis: Redis;
  const open: RoomOwners[] = [];
  beforeAll(() => {
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    for (const o of open.splice(0)) await o.close();
  });
  afterAll(() => redis?.disconnect());

  /** A node whose worker answers `<node>:<op>` and records what it ran. */
  async function node(nodeID: string, prefix: string, opts: { timeoutMs?: number; fail?: RingletError } = {}): Promise<{ owners: RoomOwners; ran: RoomWork[] }> {
    const owners = await RoomOwners.connect(REDIS_URL, { nodeID, prefix, log, ttlMs: 60_000, timeoutMs: opts.timeoutMs ?? 5000 });
    open.push(owners);
    const ran: RoomWork[] = [];
    owners.worker = async (work) => {
      ran.push(work);
      if (opts.fail) throw opts.fail;
      return `${nodeID}:${work.op}`;
    };
    return { owners, ran };
  }
  const newPrefix = () => `ringlet-test-${randomBytes(4).toString('hex')}:`;

  it('the first grant claims the call; the other node forwards grants and floor moves to it and gets its answers', async () => {
    const prefix = newPrefix();
    const a = await node('node-a', prefix);
    const b = await node('node-b', prefix);
    expect(await a.owners.run({ op: 'grant', callID: 'c1', userID: 'u1', role: 'teacher', floor, holder })).toBe('node-a:grant');
    expect(await redis.get(`${prefix}sfu:owner:c1`)).toBe('node-a');
    expect(await b.owners.run({ op: 'grant', callID: 'c1', userID: 'u2', role: 'student', floor, holder })).toBe('node-a:grant');
    expect(await b.owners.run({ op: 'floor', callID: 'c1', action: 'speak', by: 'u2' })).toBe('node-a:floor');
    expect(await b.owners.run({ op: 'speakerOf', callID: 'c1' })).toBe('node-a:speakerOf');
    expect(a.ran.map((w) => w.op)).toEqual(['grant', 'grant', 'floor', 'speakerOf']);
    expect(b.ran).toEqual([]);
    expect(a.ran[1]).toEqual({ op: 'grant', callID: 'c1', userID: 'u2', role: 'student', floor, holder });
  });

  it('work for a call nobody claimed runs where it was asked, without claiming it', async () => {
    const prefix = newPrefix();
    const b = await node('node-b', prefix);
    expect(await b.owners.run({ op: 'floor', callID: 'c2', action: 'endSpeak', by: 't' })).toBe('node-b:floor');
    expect(await redis.get(`${prefix}sfu:owner:c2`)).toBeNull();
  });

  it("the owner's refusal reaches the asker as the same error", async () => {
    const prefix = newPrefix();
    const a = await node('node-a', prefix, { fail: new RingletError(ErrorCode.LIMIT_EXCEEDED, 'sfu_rooms', 'the SFU carries at most 50 rooms at once') });
    const b = await node('node-b', prefix);
    await redis.set(`${prefix}sfu:owner:c3`, 'node-a');
    await expect(b.owners.run({ op: 'grant', callID: 'c3', userID: 'u', role: 'member', floor, holder })).rejects.toMatchObject({ code: ErrorCode.LIMIT_EXCEEDED, reason: 'sfu_rooms' });
    expect(a.ran).toHaveLength(1);
  });

  it('a claim whose node is gone (nobody subscribed) is dropped and taken by the asker', async () => {
    const prefix = newPrefix();
    const b = await node('node-b', prefix);
    await redis.set(`${prefix}sfu:owner:c4`, 'node-dead');
    expect(await b.owners.run({ op: 'grant', callID: 'c4', userID: 'u', role: 'member', floor, holder })).toBe('node-b:grant');
    expect(await redis.get(`${prefix}sfu:owner:c4`)).toBe('node-b');
  });

  it('an owner that is subscribed but never answers is an error within the timeout, not a hang', async () => {
    const prefix = newPrefix();
    const b = await node('node-b', prefix, { timeoutMs: 300 });
    const ghost = new Redis(REDIS_URL);
    try {
      await ghost.subscribe(`${prefix}sfu:rpc:node-ghost`);
      await redis.set(`${prefix}sfu:owner:c5`, 'node-ghost');
      const t0 = performance.now();
      await expect(b.owners.run({ op: 'grant', callID: 'c5', userID: 'u', role: 'member', floor, holder })).rejects.toMatchObject({ code: ErrorCode.INTERNAL, reason: 'sfu_unavailable' });
      expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
      expect(await redis.get(`${prefix}sfu:owner:c5`)).toBe('node-ghost');
    } finally {
      ghost.disconnect();
    }
  });

  it('ignores malformed requests on its channel and keeps serving', async () => {
    const prefix = newPrefix();
    const a = await node('node-a', prefix);
    const b = await node('node-b', prefix);
    for (const junk of ['not json', '{}', JSON.stringify({ id: 1, from: 'node-b', work: { op: 'drop tables', callID: 'x' } }), JSON.stringify({ id: 2, from: 'node-b', work: { op: 'grant', callID: 'x'.repeat(500), userID: 'u', role: 'member', floor } })]) {
      await redis.publish(`${prefix}sfu:rpc:node-a`, junk);
    }
    await redis.set(`${prefix}sfu:owner:c6`, 'node-a');
    expect(await b.owners.run({ op: 'joined', callID: 'c6' })).toBe('node-a:joined');
    expect(a.ran.map((w) => w.op)).toEqual(['joined']);
  });

  it('renews and releases only its own claims', async () => {
    const prefix = newPrefix();
    const a = await node('node-a', prefix);
    await a.owners.run({ op: 'grant', callID: 'mine', userID: 'u', role: 'member', floor, holder });
    await redis.set(`${prefix}sfu:owner:theirs`, 'node-b', 'PX', 1000);
    await a.owners.renew(['mine', 'theirs']);
    expect(await redis.pttl(`${prefix}sfu:owner:theirs`)).toBeLessThanOrEqual(1000);
    expect(await redis.pttl(`${prefix}sfu:owner:mine`)).toBeGreaterThan(1000);
    await a.owners.release(['mine', 'theirs']);
    expect(await redis.get(`${prefix}sfu:owner:mine`)).toBeNull();
    expect(await redis.get(`${prefix}sfu:owner:theirs`)).toBe('node-b');
  });
});
