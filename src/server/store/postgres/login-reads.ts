/**
 * The login reads on PostgreSQL, each one statement on its own (atomic, one snapshot, no
 * BEGIN/COMMIT): one round trip each, and the first two serve many logins at once.
 */
import type { Group, GroupType } from '../../../protocol/im.ts';
import type { Invitation } from '../../model/invitation.ts';
import type { SqlValue } from '../driver.ts';
import type { LoginReads, LoginSnapshot, LoginSnapshotQuery, TokenRef, TokenState } from '../login-reads.ts';
import type { PostgresDriver } from './driver.ts';

const arr = (values: readonly (string | number | null)[]) => values as unknown as SqlValue;

const TOKEN_STATES = `
SELECT COALESCE(u.token_gen, 0) AS gen, (k.tok IS NOT NULL AND EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.token_id = k.tok)) AS revoked
FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS k (user_id, tok, i)
LEFT JOIN users u ON u.user_id = k.user_id
ORDER BY k.i`;

const CURRENT_SEQS = 'SELECT user_id, last_seq FROM users WHERE user_id = ANY ($1::text[])';

/**
 * $1 user, $2 now, $3 lastSeq (or null), $4 maxReplay, $5 token ID (or null), $6 announceMax.
 * The new user's row is not visible to the rest of the statement (one snapshot): a new
 * user reads as seq 0, generation 0, no groups, no invitations, which is what it has.
 */
const LOGIN_SNAPSHOT = `
WITH ins AS (
  INSERT INTO users (user_id, created_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING
), u AS (
  SELECT COALESCE(MAX(last_seq), 0) AS seq, COALESCE(MAX(token_gen), 0) AS gen FROM users WHERE user_id = $1
), p AS (
  SELECT u.seq, u.gen,
    ($3::bigint IS NOT NULL AND $3::bigint <= u.seq AND ($3::bigint = u.seq OR (u.seq - $3::bigint <= $4::bigint AND
      (SELECT r.seq FROM user_event_refs r WHERE r.user_id = $1 AND r.seq > $3::bigint ORDER BY r.seq LIMIT 1) = $3::bigint + 1))) AS resumable
  FROM u
)
SELECT p.seq AS last_seq, p.gen, p.resumable AS can_resume,
  ($5::text IS NOT NULL AND EXISTS (SELECT 1 FROM revoked_tokens t WHERE t.token_id = $5::text)) AS revoked,
  (SELECT json_agg(json_build_array(g.group_id, g.name, g.type, g.owner_id) ORDER BY g.created_at, g.group_id)
     FROM chat_groups g JOIN group_members m ON m.group_id = g.group_id
     WHERE m.user_id = $1 AND g.dismissed_at IS NULL) AS group_rows,
  CASE WHEN p.resumable THEN NULL ELSE
    (SELECT json_agg(o.body ORDER BY o.created_at, o.invite_id) FROM (
       SELECT body, created_at, invite_id FROM invitations WHERE is_open = 1 AND (inviter = $1 OR invite_id IN
         (SELECT invite_id FROM invitation_parts WHERE user_id = $1 AND state = 'pending'))
       ORDER BY created_at DESC, invite_id DESC LIMIT $6::bigint) o)
  END AS open_bodies
FROM p`;

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

  async loginSnapshot(q: LoginSnapshotQuery): Promise<LoginSnapshot> {
    const [r] = await this.#d.statement<SnapshotRow>('ringlet_login_snapshot', LOGIN_SNAPSHOT, [q.userID, q.now, q.lastSeq ?? null, q.maxReplay, q.tokenID, q.announceMax]);
    if (!r) throw new Error('login snapshot returned no row');
    return {
      token: { generation: Number(r.gen), tokenRevoked: r.revoked },
      seq: Number(r.last_seq),
      resumable: r.can_resume,
      groups: (r.group_rows ?? []).map(([groupID, name, type, ownerID]) => ({ groupID, name, type: type as GroupType, ownerID })),
      open: (r.open_bodies ?? []).map((body) => JSON.parse(body) as Invitation),
    };
  }
}
