/**
 * The login reads on PostgreSQL, each one statement on its own (atomic, one snapshot, no
 * BEGIN/COMMIT): one round trip each, each serving every login of one turn of the event
 * loop at once (store/batch.ts).
 */
import type { Group, GroupType } from '../../../protocol/im.ts';
import type { Invitation } from '../../model/invitation.ts';
import type { SqlValue } from '../driver.ts';
import type { LoginReads, LoginSnapshot, LoginSnapshotQuery, TokenRef, TokenState } from '../login-reads.ts';
import { DISABLED_GENERATION } from '../../model/revocation.ts';
import { Batch } from '../batch.ts';
import type { PostgresDriver } from './driver.ts';

/** A user's token generation as sql-store.ts tokenGeneration reads it: DISABLED_GENERATION while disabled. */
const GENERATION = (u: string) => `CASE WHEN ${u}.disabled_at IS NOT NULL THEN ${DISABLED_GENERATION} ELSE COALESCE(${u}.token_gen, 0) END`;

const arr = (values: readonly (string | number | null)[]) => values as unknown as SqlValue;

const TOKEN_STATES = `
SELECT ${GENERATION('u')} AS gen, (k.tok IS NOT NULL AND EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.token_id = k.tok)) AS revoked
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k (user_id, tok, i)
LEFT JOIN users u ON u.user_id = k.user_id
ORDER BY k.i`;

const CURRENT_SEQS = 'SELECT user_id, last_seq FROM users WHERE user_id = ANY ($1::text[])';

/**
 * The snapshots of many logins (each its user, last seq or null, token ID or null, and
 * bounds) in one statement, answered in order. The new users' rows, inserted in user
 * order (two nodes inserting the same new users cannot deadlock), are not visible to the
 * rest of the statement (one snapshot): a new user reads as seq 0, generation 0, no
 * groups, no invitations, which is what it has.
 */
const LOGIN_SNAPSHOTS = `
WITH q AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS q (user_id, asked, tok, max_replay, announce_max, i)
), ins AS (
  INSERT INTO users (user_id, created_at) SELECT DISTINCT user_id, $6::bigint FROM q ORDER BY user_id ON CONFLICT (user_id) DO NOTHING
), p AS (
  SELECT q.*, COALESCE(u.last_seq, 0) AS seq, ${GENERATION('u')} AS gen FROM q LEFT JOIN users u ON u.user_id = q.user_id
), r AS (
  SELECT p.*, (p.asked IS NOT NULL AND p.asked <= p.seq AND (p.asked = p.seq OR (p.seq - p.asked <= p.max_replay AND
    (SELECT e.seq FROM user_event_refs e WHERE e.user_id = p.user_id AND e.seq > p.asked ORDER BY e.seq LIMIT 1) = p.asked + 1))) AS resumable
  FROM p
)
SELECT r.seq AS last_seq, r.gen, r.resumable AS can_resume,
  (r.tok IS NOT NULL AND EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.token_id = r.tok)) AS revoked,
  (SELECT json_agg(json_build_array(g.group_id, g.name, g.type, g.owner_id) ORDER BY g.created_at, g.group_id)
     FROM chat_groups g JOIN group_members m ON m.group_id = g.group_id
     WHERE m.user_id = r.user_id AND g.dismissed_at IS NULL) AS group_rows,
  CASE WHEN r.resumable THEN NULL ELSE
    (SELECT json_agg(o.body ORDER BY o.created_at, o.invite_id) FROM (
       SELECT body, created_at, invite_id FROM invitations WHERE is_open = 1 AND (inviter = r.user_id OR invite_id IN
         (SELECT invite_id FROM invitation_parts WHERE user_id = r.user_id AND state = 'pending'))
       ORDER BY created_at DESC, invite_id DESC LIMIT r.announce_max) o)
  END AS open_bodies
FROM r ORDER BY r.i`;

interface SnapshotRow {
  last_seq: number | string;
  gen: number | string;
  can_resume: boolean;
  revoked: boolean;
  group_rows: [string, string, string, string][] | null;
  open_bodies: string[] | null;
}

export class PgLoginReads implements LoginReads {
  readonly #d: PostgresDriver;
  /** The snapshots of the logins of one turn, read together. */
  readonly #snapshots = new Batch<LoginSnapshotQuery, LoginSnapshot>((qs) => this.#snapshotMany(qs), 200);

  constructor(driver: PostgresDriver) {
    this.#d = driver;
  }

  async tokenStates(tokens: readonly TokenRef[]): Promise<TokenState[]> {
    if (tokens.length === 0) return [];
    const rows = await this.#d.statement<{ gen: number | string; revoked: boolean }>('ringlet_login_tokens', TOKEN_STATES, [arr(tokens.map((t) => t.userID)), arr(tokens.map((t) => t.tokenID))]);
    return rows.map((r) => ({ generation: Number(r.gen), tokenRevoked: r.revoked }));
  }

  async currentSeqs(userIDs: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(userIDs.map((u) => [u, 0]));
    if (userIDs.length === 0) return out;
    for (const r of await this.#d.statement<{ user_id: string; last_seq: number | string }>('ringlet_login_seqs', CURRENT_SEQS, [arr(userIDs)])) out.set(r.user_id, Number(r.last_seq));
    return out;
  }

  loginSnapshot(q: LoginSnapshotQuery): Promise<LoginSnapshot> {
    return this.#snapshots.get(q);
  }

  async #snapshotMany(qs: LoginSnapshotQuery[]): Promise<LoginSnapshot[]> {
    const rows = await this.#d.statement<SnapshotRow>('ringlet_login_snapshots', LOGIN_SNAPSHOTS, [
      arr(qs.map((q) => q.userID)), arr(qs.map((q) => q.lastSeq ?? null)), arr(qs.map((q) => q.tokenID)),
      arr(qs.map((q) => q.maxReplay)), arr(qs.map((q) => q.announceMax)), Math.max(...qs.map((q) => q.now)),
    ]);
    return rows.map(toSnapshot);
  }
}

function toSnapshot(r: SnapshotRow): LoginSnapshot {
  return {
    token: { generation: Number(r.gen), tokenRevoked: r.revoked },
    seq: Number(r.last_seq),
    resumable: r.can_resume,
    groups: (r.group_rows ?? []).map(([groupID, name, type, ownerID]) => ({ groupID, name, type: type as GroupType, ownerID })),
    open: (r.open_bodies ?? []).map((body) => JSON.parse(body) as Invitation),
  };
}
