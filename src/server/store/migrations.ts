/**
 * Versioned schema migrations. One list, numbered once, with the few dialect
 * differences spelled out per version; `migrate` applies what a database lacks.
 */
import type { SqlDriver } from './driver.ts';

interface Migration {
  version: number;
  name: string;
  sql: (dialect: SqlDriver['dialect']) => string;
}

/** Requests are recorded by UTC day (migration 5). */
const DAY_MS = 86_400_000;

const autoId = (d: SqlDriver['dialect']) => (d === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY');

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: (d) => `
      CREATE TABLE users (
        user_id TEXT PRIMARY KEY,
        created_at BIGINT NOT NULL,
        last_seq BIGINT NOT NULL DEFAULT 0,
        password_hash TEXT
      );
      CREATE TABLE chat_groups (
        group_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        owner_id TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE group_members (
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL,
        joined_at BIGINT NOT NULL,
        PRIMARY KEY (group_id, user_id)
      );
      CREATE INDEX group_members_user ON group_members (user_id);
      CREATE TABLE invitations (
        invite_id TEXT PRIMARY KEY,
        inviter TEXT NOT NULL,
        group_id TEXT NOT NULL,
        is_open INTEGER NOT NULL,
        deadline BIGINT,
        created_at BIGINT NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX invitations_due ON invitations (deadline) WHERE is_open = 1 AND deadline IS NOT NULL;
      CREATE INDEX invitations_open_inviter ON invitations (inviter) WHERE is_open = 1;
      CREATE INDEX invitations_open_group ON invitations (group_id) WHERE is_open = 1;
      CREATE TABLE invitation_parts (
        invite_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (invite_id, user_id)
      );
      CREATE INDEX invitation_parts_pending ON invitation_parts (user_id) WHERE state = 'pending';
      CREATE TABLE messages (
        id ${autoId(d)},
        conv_key TEXT NOT NULL,
        sender TEXT NOT NULL,
        target TEXT NOT NULL,
        time BIGINT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE INDEX messages_conv ON messages (conv_key, id);
      CREATE TABLE conversations (
        user_id TEXT NOT NULL,
        conversation_id TEXT NOT NULL,
        unread INTEGER NOT NULL,
        last_message_id BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, conversation_id)
      );
      CREATE TABLE user_events (
        user_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        invite_id TEXT,
        deadline BIGINT,
        frame TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, seq)
      );
      CREATE INDEX user_events_age ON user_events (created_at);
      CREATE TABLE requests (
        user_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, request_id)
      );
      CREATE INDEX requests_age ON requests (created_at);
    `,
  },
  {
    version: 2,
    name: 'token revocation',
    sql: () => `
      ALTER TABLE users ADD COLUMN token_gen BIGINT NOT NULL DEFAULT 0;
      CREATE TABLE revoked_tokens (
        token_id TEXT PRIMARY KEY,
        user_id TEXT NOT NULL,
        expires_at BIGINT NOT NULL
      );
      CREATE INDEX revoked_tokens_expiry ON revoked_tokens (expires_at);
    `,
  },
  {
    // Group membership is the only key to a group (issue 8, item 4). A dismissed group
    // keeps its row as a tombstone (dismissed_at set) so its ID is never reused; a member
    // who leaves keeps read access to the history up to its last message then, and no
    // further. Groups dismissed and former members from before this version are
    // recovered from the messages and conversations they left behind.
    version: 3,
    name: 'group tombstones and former members',
    sql: () => `
      ALTER TABLE chat_groups ADD COLUMN dismissed_at BIGINT;
      CREATE TABLE group_former_members (
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        last_message_id BIGINT NOT NULL,
        left_at BIGINT NOT NULL,
        PRIMARY KEY (group_id, user_id)
      );
      INSERT INTO chat_groups (group_id, name, type, owner_id, created_at, dismissed_at)
        SELECT DISTINCT substr(conv_key, 7), '', 'Private', '', 0, 0 FROM messages
        WHERE conv_key LIKE 'group:%' AND substr(conv_key, 7) NOT IN (SELECT group_id FROM chat_groups);
      INSERT INTO group_former_members (group_id, user_id, last_message_id, left_at)
        SELECT substr(c.conversation_id, 6), c.user_id, c.last_message_id, 0 FROM conversations c
        WHERE c.conversation_id LIKE 'GROUP%' AND NOT EXISTS
          (SELECT 1 FROM group_members m WHERE m.group_id = substr(c.conversation_id, 6) AND m.user_id = c.user_id)
    `,
  },
  {
    // Each event is stored once (events) and referenced by every recipient's log through a
    // narrow row (user_event_refs: user, seq, event id); before, each recipient's row held
    // its own copy of the frame. Existing logs are carried over, one event per old row,
    // so resume-by-seq replay stays exact across the upgrade. users gains the durable
    // per-day stored-bytes counter (rewritten with last_seq: no extra page per commit).
    version: 4,
    name: 'events stored once; per-user stored-bytes budget',
    sql: (d) => `
      CREATE TABLE events (
        id ${autoId(d)},
        invite_id TEXT,
        deadline BIGINT,
        frame TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      CREATE TABLE user_event_refs (
        user_id TEXT NOT NULL,
        seq BIGINT NOT NULL,
        event_id BIGINT NOT NULL,
        PRIMARY KEY (user_id, seq)
      )${d === 'sqlite' ? ' WITHOUT ROWID' : ''};
      INSERT INTO events (id, invite_id, deadline, frame, created_at)
        SELECT ROW_NUMBER() OVER (ORDER BY user_id, seq), invite_id, deadline, frame, created_at FROM user_events;
      INSERT INTO user_event_refs (user_id, seq, event_id)
        SELECT user_id, seq, ROW_NUMBER() OVER (ORDER BY user_id, seq) FROM user_events;
      ${d === 'postgres' ? "SELECT setval(pg_get_serial_sequence('events', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM events), false);" : ''}
      DROP TABLE user_events;
      ALTER TABLE users ADD COLUMN stored_day BIGINT NOT NULL DEFAULT 0;
      ALTER TABLE users ADD COLUMN stored_bytes BIGINT NOT NULL DEFAULT 0
    `,
  },
  {
    // Fewer B-trees written per commit (issue 12: each one costs a WAL page per commit).
    // - invitations_open_group leaves out 1:1 invitations (group_id ''), which all shared
    //   one key and so one hot page.
    // SQLite only (PostgreSQL's tables are heaps either way, and its store sends the
    // idempotency record on its own; see postgres/):
    // - requests: one B-tree keyed (day, user, request id) instead of a table, its key
    //   and an age index. A request id is looked up in its day and the day before (kept
    //   at least a day, as before); pruning drops whole days from the key's start.
    // - invitation_parts is keyed by its primary key alone (WITHOUT ROWID): no second B-tree.
    // - events and messages drop AUTOINCREMENT: it rewrites sqlite_sequence on every
    //   insert. Ids stay increasing: no message is ever deleted, and events are only
    //   pruned oldest first together with their references.
    version: 5,
    name: 'fewer B-trees per commit',
    sql: (d) => `
      DROP INDEX invitations_open_group;
      CREATE INDEX invitations_open_group ON invitations (group_id) WHERE is_open = 1 AND group_id <> '';
      ${d === 'sqlite' ? `
      CREATE TABLE requests_v5 (
        day BIGINT NOT NULL,
        user_id TEXT NOT NULL,
        request_id TEXT NOT NULL,
        response TEXT NOT NULL,
        PRIMARY KEY (day, user_id, request_id)
      ) WITHOUT ROWID;
      INSERT INTO requests_v5 (day, user_id, request_id, response)
        SELECT created_at / ${DAY_MS}, user_id, request_id, response FROM requests;
      DROP TABLE requests;
      ALTER TABLE requests_v5 RENAME TO requests;
      CREATE TABLE invitation_parts_v5 (
        invite_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (invite_id, user_id)
      ) WITHOUT ROWID;
      INSERT INTO invitation_parts_v5 (invite_id, user_id, state) SELECT invite_id, user_id, state FROM invitation_parts;
      DROP TABLE invitation_parts;
      ALTER TABLE invitation_parts_v5 RENAME TO invitation_parts;
      CREATE INDEX invitation_parts_pending ON invitation_parts (user_id) WHERE state = 'pending';
      CREATE TABLE events_v5 (
        id INTEGER PRIMARY KEY,
        invite_id TEXT,
        deadline BIGINT,
        frame TEXT NOT NULL,
        created_at BIGINT NOT NULL
      );
      INSERT INTO events_v5 (id, invite_id, deadline, frame, created_at) SELECT id, invite_id, deadline, frame, created_at FROM events;
      DROP TABLE events;
      ALTER TABLE events_v5 RENAME TO events;
      CREATE TABLE messages_v5 (
        id INTEGER PRIMARY KEY,
        conv_key TEXT NOT NULL,
        sender TEXT NOT NULL,
        target TEXT NOT NULL,
        time BIGINT NOT NULL,
        payload TEXT NOT NULL
      );
      INSERT INTO messages_v5 (id, conv_key, sender, target, time, payload) SELECT id, conv_key, sender, target, time, payload FROM messages;
      DROP TABLE messages;
      ALTER TABLE messages_v5 RENAME TO messages;
      CREATE INDEX messages_conv ON messages (conv_key, id)` : ''}
    `,
  },
  {
    // Who a user knows and whom they refuse (issue 17): contacts (one-way: the user added
    // them), blocks, group invitations awaiting the user's consent, and the groups a user
    // left by choice (quit or declined; a re-add needs consent again). A 1:1 invitation
    // records whether its inviter was a stranger to the invitee when it was made: strangers
    // have their own, smaller pending cap (signaling/service.ts).
    version: 6,
    name: 'contacts, blocks and group consent',
    sql: () => `
      CREATE TABLE contacts (
        user_id TEXT NOT NULL,
        contact_id TEXT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, contact_id)
      );
      CREATE TABLE blocks (
        user_id TEXT NOT NULL,
        blocked_id TEXT NOT NULL,
        added_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, blocked_id)
      );
      CREATE TABLE group_invitations (
        user_id TEXT NOT NULL,
        group_id TEXT NOT NULL,
        inviter TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        PRIMARY KEY (user_id, group_id)
      );
      CREATE INDEX group_invitations_group ON group_invitations (group_id);
      CREATE TABLE group_left (
        group_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        left_at BIGINT NOT NULL,
        PRIMARY KEY (group_id, user_id)
      );
      ALTER TABLE invitations ADD COLUMN from_stranger INTEGER NOT NULL DEFAULT 0
      `,
    },
    {
    // Accounts an administrator manages (the admin command, docs/ADMIN.md). A disabled user
    // keeps its row (disabled_at set) and is refused through the token state already read
    // at login (sql-store.ts tokenGeneration); a deleted one keeps its row as a tombstone
    // (deleted_at set, no password) so its ID is never reused. admin_log records every
    // change; each node reads the new rows and kicks the sessions a change revoked
    // (revoke_below: tokens of a lower generation are revoked).
    version: 7,
    name: 'disabled and deleted users; admin log',
    sql: (d) => `
      ALTER TABLE users ADD COLUMN disabled_at BIGINT;
      ALTER TABLE users ADD COLUMN deleted_at BIGINT;
      CREATE TABLE admin_log (
        id ${autoId(d)},
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        user_id TEXT NOT NULL,
        detail TEXT NOT NULL,
        revoke_below BIGINT
      )
    `,
  },
  {
    // The journal (issue 19): on SQLite, one row per committed write transaction holding
    // what it wrote to the projected tables (messages, conversations, events and their
    // references, request records), which are then written in batches behind it
    // (sqlite/journal.ts). A row is deleted in the transaction that applies it, so the
    // table holds exactly what is not applied yet; a store opening the file applies it
    // first. PostgreSQL gets the same table; its store does not write it yet.
    version: 8,
    name: 'journal',
    sql: (d) => `CREATE TABLE journal (id ${d === 'sqlite' ? 'INTEGER PRIMARY KEY' : 'BIGSERIAL PRIMARY KEY'}, body TEXT NOT NULL)`,
  },
];

/** Applies every migration the database has not seen, each in its own transaction. */
export async function migrate(driver: SqlDriver, now = Date.now()): Promise<number[]> {
  await driver.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)');
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    const done = await driver.transaction('write', async (c) => {
      // Re-checked inside the transaction: two nodes starting at once apply it once.
      if (driver.dialect === 'postgres') await c.run('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const row = await c.get('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
      if (row) return false;
      for (const stmt of splitStatements(m.sql(driver.dialect))) await c.run(stmt);
      await c.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, now]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}

function splitStatements(sql: string): string[] {
  return sql.split(';').map((s) => s.trim()).filter((s) => s.length > 0);
}
