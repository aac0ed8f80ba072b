/**
 * What the SDK's check of each server frame costs (protocol/codec.ts `decodeServerFrame`),
 * beside what reading a frame cost before it (`JSON.parse`, the result taken on trust): the
 * same texts, decoded in a tight loop, median of several rounds, in nanoseconds per frame.
 * The frames are the ones a phone reads most: a ringing invitation with its history
 * message, a custom message, the answer to an invite, a pong and a group change.
 *
 *   npx tsx bench/frames.ts [--rounds 9] [--iterations 200000]
 *
 * Prints a table and writes bench/results/frames.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { encodeInvite } from '../src/protocol/call-data.ts';
import { decodeServerFrame, encodeFrame, serverFrame } from '../src/protocol/codec.ts';
import type { Message } from '../src/protocol/im.ts';
import { ActionType, SIGNALING_BUSINESS_ID, TSignaling } from '../src/protocol/signaling.ts';
import { repoRoot } from './ipc.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg('--rounds', 9);
const iterations = arg('--iterations', 200_000);

const invitation = { inviteID: '0190f4c2-7b1e-7cc1-9a4e-3b2d1c0e5f6a', inviter: 'alice', groupID: '', inviteeList: ['bob'], data: encodeInvite('7d0c4a6e-5b7f-4f2e-9a61-2c3d4e5f6a7b', 'video'), timeout: 30 };
const history: Message = {
  ID: '184467', conversationID: 'C2Calice', from: 'alice', to: 'bob', time: 1_764_000_000, type: 'TIMCustomElem',
  payload: { data: JSON.stringify({ businessID: SIGNALING_BUSINESS_ID, ...invitation, actionType: ActionType.INVITE }) },
};
const FRAMES: Record<string, string> = {
  'push: invitation + message': serverFrame.push(1234, JSON.stringify({ signal: { name: TSignaling.NEW_INVITATION_RECEIVED, data: { ...invitation, remaining: 30 } }, message: history })),
  'push: custom message': serverFrame.push(1235, JSON.stringify({ message: { ...history, ID: '184468', payload: { data: 'x'.repeat(200) } } })),
  'res: invite answered': serverFrame.result('k3j9x2-17', { code: 0, data: { inviteID: invitation.inviteID, message: history } }),
  pong: encodeFrame({ type: 'pong', serverTime: 1_764_000_000_123 }),
  'groupDelta': serverFrame.groupDelta('added', { groupID: 'team', name: 'Team', type: 'Work', ownerID: 'alice' }),
};

/** ns per call of `fn(text)`, one round. */
function time(text: string, fn: (t: string) => unknown): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) sink += fn(text) ? 1 : 0;
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  if (sink < 0) console.log(sink); // keeps the loop's work observable
  return ns;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round1 = (n: number) => Math.round(n * 10) / 10;

// Both ways warmed up on every frame first, then measured in alternation, round by round,
// so a neighbour's load falls on both alike; the check's cost is the median difference.
for (const text of Object.values(FRAMES)) for (let i = 0; i < 3; i++) { time(text, (t) => JSON.parse(t)); time(text, decodeServerFrame); }
const rows = Object.entries(FRAMES).map(([frame, text]) => {
  const before: number[] = [];
  const after: number[] = [];
  for (let r = 0; r < rounds; r++) {
    before.push(time(text, (t) => JSON.parse(t)));
    after.push(time(text, decodeServerFrame));
  }
  const check = median(after.map((a, i) => a - before[i]!));
  return { frame, bytes: Buffer.byteLength(text), beforeNs: round1(median(before)), afterNs: round1(median(after)), checkNs: round1(check), checkPct: round1((check / median(before)) * 100) };
});

console.log('| frame | bytes | JSON.parse only (ns) | decodeServerFrame (ns) | the check (ns) | the check (%) |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.frame} | ${r.bytes} | ${r.beforeNs} | ${r.afterNs} | ${r.checkNs} | ${r.checkPct} |`);

const dir = join(repoRoot, 'bench', 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'frames.json'), `${JSON.stringify({
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, node: process.version, loadavg: os.loadavg().map(round1) },
  command: `npx tsx bench/frames.ts --rounds ${rounds} --iterations ${iterations}`,
  rows,
}, null, 2)}\n`);
