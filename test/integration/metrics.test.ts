/**
 * What operators watch: the Prometheus endpoint on its own listener, and the info log's
 * call lifecycle (steps with inviteID and user IDs, never the invitation's data).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TSignaling } from '../../src/sdk/index.ts';
import { startHarness, type Harness } from './harness.ts';

const logLines: string[] = [];
const logger = pino({ level: 'info' }, new Writable({ write(chunk, _enc, done) { logLines.push(String(chunk)); done(); } }));

/** The value of one series line, e.g. `ringlet_requests_total{op="invite",code="0"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics and the call lifecycle log', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logger, metrics: { host: '127.0.0.1', port: 0 }, deadlinePollMs: 200 });
  });
  afterAll(() => h.close());

  it('serves GET /metrics on its own listener, never on the public port', async () => {
    expect(h.server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(new URL(h.server.metricsUrl!).port).not.toBe(String(h.server.port));
    expect((await fetch(`${h.server.httpUrl}/metrics`)).status).toBe(404);
    const res = await fetch(h.server.metricsUrl!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  });

  it('counts requests by op and code, answers, store round trips, deadlines and sessions', async () => {
    const alice = await h.client('m-alice');
    const bob = await h.client('m-bob');
    const { inviteID } = await alice.chat.invite({ userID: 'm-bob', data: 'secret-room-42', timeout: 30 });
    await bob.waitFor((e) => e.name === TSignaling.NEW_INVITATION_RECEIVED && e.data.inviteID === inviteID);
    await bob.chat.accept({ inviteID });
    await expect(bob.chat.accept({ inviteID })).rejects.toMatchObject({ code: 8010 });
    const late = await alice.chat.invite({ userID: 'm-bob', timeout: 1 });
    await alice.waitFor((e) => e.name === TSignaling.INVITATION_TIMEOUT && e.data.inviteID === late.inviteID);
    await alice.chat.getGroupList();

    const text = await (await fetch(h.server.metricsUrl!)).text();
    expect(sample(text, 'ringlet_requests_total{op="invite",code="0"}')).toBe(2);
    expect(sample(text, 'ringlet_requests_total{op="accept",code="0"}')).toBe(1);
    expect(sample(text, 'ringlet_requests_total{op="accept",code="8010"}')).toBe(1);
    expect(sample(text, 'ringlet_requests_total{op="getGroupList",code="0"}')).toBe(1);
    expect(sample(text, 'ringlet_invite_answer_seconds_count{outcome="accept"}')).toBe(1);
    expect(sample(text, 'ringlet_deadline_lateness_seconds_count')).toBe(1);
    expect(sample(text, 'ringlet_store_write_seconds_count')).toBeGreaterThanOrEqual(4);
    expect(sample(text, 'ringlet_store_read_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ringlet_sessions')).toBe(2);
    expect(sample(text, 'ringlet_pending_deadlines')).toBe(0);
    expect(sample(text, 'ringlet_outbound_queue_bytes')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'ringlet_bus_deliveries_total')).toBeGreaterThan(0);

    // The info log tells the call's story by IDs; the invitation's data never appears.
    const steps = logLines.map((l) => JSON.parse(l) as { msg: string; call?: string; users?: string[] }).filter((l) => l.call === inviteID);
    expect(steps.map((s) => s.msg)).toEqual(['call invite', 'call accept']);
    expect(steps[1]!.users).toEqual(['m-bob']);
    const timedOut = logLines.map((l) => JSON.parse(l) as { msg: string; call?: string }).filter((l) => l.call === late.inviteID).map((l) => l.msg);
    expect(timedOut).toEqual(['call invite', 'call timeout']);
    expect(logLines.join('')).not.toContain('secret-room-42');
  });
});
