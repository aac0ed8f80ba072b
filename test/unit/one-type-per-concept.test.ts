/**
 * One type per concept, extended, not restated: no exported name is declared in two files
 * of src, and no two shapes restate three or more of the same fields unless one is made
 * from the other (extends, Pick/Omit, z.extend, a spread schema shape) or both from one
 * base. The few pairs that share field names without being one concept are listed here,
 * each with the reason.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { census, restatedFields, sameNames, shapesOf } from '../support/type-census.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Exported names two concepts share. */
const SHARED_NAMES = new Set([
  'Session', // the worker's SDK session (extension) and a connected socket's session (server gateway)
  'RoomEvent', // an event of the call window's room reducer and an event of a Janus videoroom
]);

/** Shapes that share field names without being one concept. */
const UNRELATED = new Set([
  // a live peer connection names the participant it links, and shows its state to the tile
  'src/extension/call/peer.ts#PeerLink ~ src/extension/call/room.ts#Participant',
  'src/extension/call/peer.ts#PeerLink ~ src/extension/call/view.ts#PeerView',
  // the store's records: a message row (time in ms, a conversation key) and the event log's rows
  'src/protocol/im.ts#Message ~ src/server/store/types.ts#StoredMessage',
  'src/server/store/sql-store.ts#MessageRow ~ src/server/store/types.ts#StoredMessage',
  'src/server/store/types.ts#NewEvent ~ src/server/store/types.ts#StoredEvent',
  // a request awaiting its answer in two unrelated clients (the SDK's connection, the SFU room owners' bus)
  'src/sdk/connection.ts#Pending ~ src/server/sfu/owners.ts#Pending',
]);

describe('one type per concept', () => {
  const shapes = census(root, 'src');

  it('reads the declarations of src (interfaces, classes, object types, schemas)', () => {
    expect(shapes.length).toBeGreaterThan(150);
    expect(shapes.find((s) => s.name === 'CallEntry')?.fields).toContain('pending');
  });

  it('declares no exported name in two files', () => {
    expect(sameNames(shapes, SHARED_NAMES)).toEqual([]);
  });

  it('restates no fields of another shape without extending it', () => {
    expect(restatedFields(shapes, UNRELATED)).toEqual([]);
  });

  it('would see a restated shape, and takes extending for what it is (the checks bite)', () => {
    const base = shapesOf('a.ts', 'export interface Invitation { inviteID: string; inviter: string; groupID: string; data: string }');
    const restated = shapesOf('b.ts', 'export interface Accepted { inviteID: string; inviter: string; groupID: string; invitee: string }');
    const picked = shapesOf('c.ts', "export interface Rejected extends Pick<Invitation, 'inviteID' | 'inviter' | 'groupID'> { inviteID: string; inviter: string; groupID: string }");
    const schema = shapesOf('d.ts', 'export const Entry = z.extend(z.pick(Invitation, { inviteID: true }), { inviteID: z.string(), inviter: z.string(), groupID: z.string() });');
    const again = shapesOf('e.ts', 'export interface Invitation { inviteID: string }');
    expect(restatedFields([...base, ...restated], new Set())).toEqual(['a.ts#Invitation ~ b.ts#Accepted: inviteID, inviter, groupID']);
    expect(restatedFields([...base, ...picked, ...schema], new Set())).toEqual([]);
    expect(sameNames([...base, ...again], new Set())).toEqual(['Invitation: a.ts, e.ts']);
  });
});
