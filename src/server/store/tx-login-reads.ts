/** The login reads (login-reads.ts) as transactions over any store's shared queries (SQLite). */
import { canResume, type LoginReads, type LoginSnapshot, type LoginSnapshotQuery, type TokenRef, type TokenState } from './login-reads.ts';
import type { StoreTx } from './types.ts';

interface Transactions {
  read<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  write<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
}

export class TxLoginReads implements LoginReads {
  readonly #store: Transactions;

  constructor(store: Transactions) {
    this.#store = store;
  }

  tokenStates(tokens: readonly TokenRef[]): Promise<TokenState[]> {
    return this.#store.read(async (tx) => {
      const out: TokenState[] = [];
      for (const t of tokens) out.push({ generation: await tx.tokenGeneration(t.userID), tokenRevoked: t.tokenID !== null && (await tx.isTokenRevoked(t.tokenID)) });
      return out;
    });
  }

  currentSeqs(userIDs: readonly string[]): Promise<Map<string, number>> {
    return this.#store.read(async (tx) => {
      const out = new Map<string, number>();
      for (const u of userIDs) out.set(u, await tx.currentSeq(u));
      return out;
    });
  }

  loginSnapshot(q: LoginSnapshotQuery): Promise<LoginSnapshot> {
    return this.#store.write(async (tx) => {
      await tx.ensureUser(q.userID, q.now);
      const token = { generation: await tx.tokenGeneration(q.userID), tokenRevoked: q.tokenID !== null && (await tx.isTokenRevoked(q.tokenID)) };
      const seq = await tx.currentSeq(q.userID);
      const first = q.lastSeq !== undefined && q.lastSeq < seq ? ((await tx.eventsAfter(q.userID, q.lastSeq, 1))[0]?.seq ?? null) : null;
      const resumable = canResume(q.lastSeq, seq, first, q.maxReplay);
      return { token, seq, resumable, groups: await tx.groupsOf(q.userID), open: resumable ? [] : await tx.openInvitationsOf(q.userID, q.announceMax) };
    });
  }
}
