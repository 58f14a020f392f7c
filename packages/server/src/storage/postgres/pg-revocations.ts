import type { Pool } from 'pg';
import type { RevocationStore } from '../types.ts';

/** {@link RevocationStore} on PostgreSQL. */
export class PgRevocationStore implements RevocationStore {
  readonly #pool: Pool;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  async revokeSessions(
    sessions: readonly { tokenId: string; userId: string; expiresAt: Date }[],
  ): Promise<void> {
    if (sessions.length === 0) return;
    // One multi-row statement is atomic on its own; no explicit transaction needed. Re-revoking keeps
    // the later expiry, so a repeated logout never shortens a revocation.
    await this.#pool.query(
      `INSERT INTO revoked_sessions (token_id, user_id, expires_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
       ON CONFLICT (token_id) DO UPDATE SET expires_at = greatest(revoked_sessions.expires_at, excluded.expires_at)`,
      [sessions.map((s) => s.tokenId), sessions.map((s) => s.userId), sessions.map((s) => s.expiresAt)],
    );
  }

  async revokeUser(userId: string, startedBefore: Date, expiresAt: Date): Promise<void> {
    await this.#pool.query(
      `INSERT INTO revoked_users (user_id, started_before, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET
         started_before = greatest(revoked_users.started_before, excluded.started_before),
         expires_at = greatest(revoked_users.expires_at, excluded.expires_at)`,
      [userId, startedBefore, expiresAt],
    );
  }

  async isRevoked(tokenId: string, userId: string, sessionStart: Date): Promise<boolean> {
    const { rows } = await this.#pool.query<{ revoked: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE token_id = $1)
           OR EXISTS (SELECT 1 FROM revoked_users WHERE user_id = $2 AND started_before >= $3) AS revoked`,
      [tokenId, userId, sessionStart],
    );
    return rows[0]?.revoked === true;
  }

  async pruneExpired(now: Date): Promise<number> {
    const { rows } = await this.#pool.query<{ n: string }>(
      `WITH s AS (DELETE FROM revoked_sessions WHERE expires_at < $1 RETURNING 1),
            u AS (DELETE FROM revoked_users WHERE expires_at < $1 RETURNING 1)
       SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM u) AS n`,
      [now],
    );
    return Number(rows[0]?.n ?? 0);
  }
}
