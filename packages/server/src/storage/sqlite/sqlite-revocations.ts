import type BetterSqlite3 from 'better-sqlite3';
import type { RevocationStore } from '../types.ts';

type Database = BetterSqlite3.Database;

/** {@link RevocationStore} on SQLite; times are Unix milliseconds. */
export class SqliteRevocationStore implements RevocationStore {
  readonly #db: Database;
  readonly #revokeSession: BetterSqlite3.Statement<[string, string, number]>;
  readonly #revokeUser: BetterSqlite3.Statement<[string, number, number]>;
  readonly #isRevoked: BetterSqlite3.Statement<[string, string, number], { revoked: number }>;
  readonly #pruneSessions: BetterSqlite3.Statement<[number]>;
  readonly #pruneUsers: BetterSqlite3.Statement<[number]>;

  constructor(db: Database) {
    this.#db = db;
    // Re-revoking keeps the later expiry, so a repeated logout never shortens a revocation.
    this.#revokeSession = db.prepare(
      `INSERT INTO revoked_sessions (token_id, user_id, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (token_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
    );
    this.#revokeUser = db.prepare(
      `INSERT INTO revoked_users (user_id, started_before, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET
         started_before = max(started_before, excluded.started_before),
         expires_at = max(expires_at, excluded.expires_at)`,
    );
    this.#isRevoked = db.prepare(
      `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE token_id = ?)
           OR EXISTS (SELECT 1 FROM revoked_users WHERE user_id = ? AND started_before >= ?) AS revoked`,
    );
    this.#pruneSessions = db.prepare('DELETE FROM revoked_sessions WHERE expires_at < ?');
    this.#pruneUsers = db.prepare('DELETE FROM revoked_users WHERE expires_at < ?');
  }

  async revokeSessions(
    sessions: readonly { tokenId: string; userId: string; expiresAt: Date }[],
  ): Promise<void> {
    const write = this.#db.transaction(() => {
      for (const s of sessions) this.#revokeSession.run(s.tokenId, s.userId, s.expiresAt.getTime());
    });
    write.immediate();
  }

  async revokeUser(userId: string, startedBefore: Date, expiresAt: Date): Promise<void> {
    this.#revokeUser.run(userId, startedBefore.getTime(), expiresAt.getTime());
  }

  async isRevoked(tokenId: string, userId: string, sessionStart: Date): Promise<boolean> {
    return this.#isRevoked.get(tokenId, userId, sessionStart.getTime())?.revoked === 1;
  }

  async pruneExpired(now: Date): Promise<number> {
    const prune = this.#db.transaction(
      () => this.#pruneSessions.run(now.getTime()).changes + this.#pruneUsers.run(now.getTime()).changes,
    );
    return prune.immediate();
  }
}
