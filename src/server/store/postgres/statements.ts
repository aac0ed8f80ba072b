/**
 * Pure helpers for the PostgreSQL driver: placeholder numbering, prepared-statement names,
 * and which shared statements may be sent without waiting for their answer.
 */

const numbered = new Map<string, string>();
/** Rewrites `?` placeholders as $1, $2, … (the shared SQL never has a literal `?`). */
export function numberPlaceholders(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let i = 0;
    out = sql.replace(/\?/g, () => `$${++i}`);
    numbered.set(sql, out);
  }
  return out;
}

const TUPLE = String.raw`\(\s*\?(?:\s*,\s*\?)*\s*\)`;
/** INSERT INTO t (cols) VALUES (?, …), (?, …) [ON CONFLICT (…) DO UPDATE SET …] — nothing else. */
const INSERT_VALUES = new RegExp(
  String.raw`^\s*INSERT\s+INTO\s+\w+\s*\([\w\s,]+\)\s*VALUES\s*(${TUPLE}(?:\s*,\s*${TUPLE})*)\s*(ON\s+CONFLICT\s*\([\w\s,]+\)\s*DO\s+UPDATE\s+SET\s[\s\S]*)?$`,
  'i',
);
const TUPLES = new RegExp(TUPLE, 'g');

const deferrable = new Map<string, number | null>();
/**
 * How many rows `sql` changes whenever it succeeds, when that is known without asking the
 * server: a plain multi-row INSERT … VALUES with only placeholders, or one whose conflicts
 * all become updates (ON CONFLICT … DO UPDATE with no WHERE). Such a statement changes
 * exactly one row per VALUES tuple or fails; its only news is an error, which also aborts
 * the transaction, so the driver may send it without waiting and report the error at the
 * next statement or at COMMIT. Anything else (RETURNING, DO NOTHING, a WHERE, UPDATE,
 * DELETE) is null: its row count or rows are needed now.
 */
export function knownRowCount(sql: string): number | null {
  let n = deferrable.get(sql);
  if (n === undefined) {
    const m = INSERT_VALUES.exec(sql);
    const tail = m?.[2] ?? '';
    n = m && !/\b(RETURNING|WHERE)\b/i.test(tail) ? (m[1]!.match(TUPLES)?.length ?? null) : null;
    if (deferrable.size < 4096) deferrable.set(sql, n);
  }
  return n;
}

const STAR = /\b(SELECT|RETURNING)\s+(\w+\.)?\*/i;

/**
 * Names for server-side prepared statements (parsed and planned once per connection). A
 * text is named from its third use on, and at most `max` texts are named, so the one-off
 * shapes (IN lists of every length) do not fill each connection's plan cache.
 */
export class StatementNames {
  readonly #uses = new Map<string, number>();
  readonly #names = new Map<string, string>();
  readonly #max: number;

  constructor(max = 256) {
    this.#max = max;
  }

  nameOf(text: string): string | undefined {
    // A prepared `SELECT *` fails with "cached plan must not change result type" once a
    // newer node's migration adds a column: such texts stay unnamed.
    if (STAR.test(text)) return undefined;
    const name = this.#names.get(text);
    if (name !== undefined || this.#names.size >= this.#max) return name;
    const uses = (this.#uses.get(text) ?? 0) + 1;
    if (uses < 3) {
      if (this.#uses.size < 4 * this.#max) this.#uses.set(text, uses);
      return undefined;
    }
    this.#uses.delete(text);
    const fresh = `ringlet_${this.#names.size}`;
    this.#names.set(text, fresh);
    return fresh;
  }
}
