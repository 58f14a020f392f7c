/**
 * The accounts feature's stores on the PostgreSQL port. Every query goes through `db.query()`, which
 * uses the caller's transaction client when one is open and the pool otherwise. Does not import `pg`.
 */
import type { PostgresDb, PreparedSql } from '../../../db/db.ts';
import {
  type AccountRecord,
  type AccountStore,
  ConflictField,
  type NewAccount,
  type ProfileUpdate,
  StorageConflictError,
  type UserRecord,
} from './account-store.ts';
import type { RevocationStore } from './revocation-store.ts';
import { type UserRow as UserRowOf, userFromRow } from './rows.ts';

type UserRow = UserRowOf<Date>;

const USER_COLUMNS =
  'u.id, u.username, u.display_name, u.avatar_url, u.lang_tag, u.location, u.timezone, u.metadata, u.create_time, u.update_time, u.disable_time';

/** Unique constraint (or index) name → the field it protects. */
/** The authentication lookups, kept prepared on each pooled connection (parsed and planned once). */
const BY_DEVICE: PreparedSql = {
  name: 'tether_accounts_by_device',
  text: `SELECT ${USER_COLUMNS} FROM user_devices d JOIN users u ON u.id = d.user_id WHERE d.id = $1`,
};
const BY_CUSTOM_ID: PreparedSql = {
  name: 'tether_accounts_by_custom_id',
  text: `SELECT ${USER_COLUMNS} FROM users u WHERE u.custom_id = $1`,
};
const BY_EMAIL: PreparedSql = {
  name: 'tether_accounts_by_email',
  text: `SELECT ${USER_COLUMNS}, u.password_hash FROM users u WHERE u.email = $1`,
};

const CONFLICTS: Readonly<Record<string, ConflictField>> = {
  users_username_key: ConflictField.USERNAME,
  user_devices_pkey: ConflictField.DEVICE,
  users_custom_id_key: ConflictField.CUSTOM_ID,
  users_email_key: ConflictField.EMAIL,
};

/** {@link AccountStore} on PostgreSQL. */
export class PgAccountStore implements AccountStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async createAccount(account: NewAccount): Promise<UserRecord> {
    const { identity } = account;
    try {
      // The user row and its device in one statement (one round trip instead of a transaction's
      // four): both or neither, on its own or in the caller's transaction. The device's foreign key
      // is checked at the end of the statement, when the user row exists.
      const row = await this.#db.row<UserRow>(
        `WITH u AS (
           INSERT INTO users AS u (id, username, email, password_hash, custom_id, create_time, update_time)
           VALUES ($1, $2, $3, $4, $5, $6, $6)
           RETURNING ${USER_COLUMNS}
         ), d AS (
           INSERT INTO user_devices (id, user_id) SELECT $7::text, u.id FROM u WHERE $7::text IS NOT NULL
         )
         SELECT * FROM u`,
        [
          account.id,
          account.username,
          identity.kind === 'email' ? identity.email : null,
          identity.kind === 'email' ? identity.passwordHash : null,
          identity.kind === 'custom' ? identity.id : null,
          account.now,
          identity.kind === 'device' ? identity.id : null,
        ],
      );
      return toUser(row!);
    } catch (err) {
      throw asConflict(err);
    }
  }

  async findByDevice(deviceId: string): Promise<UserRecord | null> {
    return maybeUser(await this.#db.row<UserRow>(BY_DEVICE, [deviceId]));
  }

  async findByCustomId(customId: string): Promise<UserRecord | null> {
    return maybeUser(await this.#db.row<UserRow>(BY_CUSTOM_ID, [customId]));
  }

  async findByEmail(email: string): Promise<{ user: UserRecord; passwordHash: string } | null> {
    const row = await this.#db.row<UserRow & { password_hash: string | null }>(BY_EMAIL, [email]);
    if (!row || row.password_hash === null) return null;
    return { user: toUser(row), passwordHash: row.password_hash };
  }

  async getUser(userId: string): Promise<UserRecord | null> {
    return maybeUser(
      await this.#db.row<UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`, [userId]),
    );
  }

  async getAccount(userId: string): Promise<AccountRecord | null> {
    // One statement, so the device list and the user row come from the same snapshot.
    const row = await this.#db.row<
      UserRow & { email: string | null; custom_id: string | null; wallet: string; devices: string[] }
    >(
      `SELECT ${USER_COLUMNS}, u.email, u.custom_id, u.wallet,
              array(SELECT d.id FROM user_devices d WHERE d.user_id = u.id ORDER BY d.id) AS devices
       FROM users u WHERE u.id = $1`,
      [userId],
    );
    if (!row) return null;
    return {
      user: toUser(row),
      email: row.email,
      customId: row.custom_id,
      devices: row.devices,
      wallet: row.wallet,
    };
  }

  async listUsers(ids: readonly string[], usernames: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0 && usernames.length === 0) return [];
    // Only the lists given: with an empty array on one side of the OR, PostgreSQL scans the whole
    // table instead of looking the ids up in the primary key (friend and member lists send ids only).
    const where: string[] = [];
    const params: unknown[] = [];
    if (ids.length > 0) where.push(`u.id = ANY($${params.push(ids)}::uuid[])`);
    if (usernames.length > 0) {
      where.push(`lower(u.username) = ANY($${params.push(usernames.map((n) => n.toLowerCase()))}::text[])`);
    }
    const rows = await this.#db.rows<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u WHERE ${where.join(' OR ')} ORDER BY u.create_time, u.id`,
      params,
    );
    return rows.map(toUser);
  }

  async updateProfile(userId: string, update: ProfileUpdate, now: Date): Promise<UserRecord | null> {
    const has = (k: keyof ProfileUpdate) => update[k] !== undefined;
    try {
      // One static statement for every combination of fields: a boolean says whether to touch it.
      const row = await this.#db.row<UserRow>(
        `UPDATE users AS u SET
           username     = CASE WHEN $2 THEN $3 ELSE u.username END,
           display_name = CASE WHEN $4 THEN $5 ELSE u.display_name END,
           avatar_url   = CASE WHEN $6 THEN $7 ELSE u.avatar_url END,
           lang_tag     = CASE WHEN $8 THEN coalesce($9, 'en') ELSE u.lang_tag END,
           location     = CASE WHEN $10 THEN $11 ELSE u.location END,
           timezone     = CASE WHEN $12 THEN $13 ELSE u.timezone END,
           metadata     = CASE WHEN $14 THEN $15 ELSE u.metadata END,
           update_time  = $16
         WHERE u.id = $1
         RETURNING ${USER_COLUMNS}`,
        [
          userId,
          has('username'),
          update.username ?? null,
          has('displayName'),
          update.displayName ?? null,
          has('avatarUrl'),
          update.avatarUrl ?? null,
          has('langTag'),
          update.langTag ?? null,
          has('location'),
          update.location ?? null,
          has('timezone'),
          update.timezone ?? null,
          has('metadata'),
          update.metadata ?? null,
          now,
        ],
      );
      return maybeUser(row);
    } catch (err) {
      throw asConflict(err);
    }
  }

  async banUsers(userIds: readonly string[], at: Date): Promise<string[]> {
    if (userIds.length === 0) return [];
    // coalesce: a second ban keeps the time of the first.
    const rows = await this.#db.rows<{ id: string }>(
      `UPDATE users AS u SET disable_time = coalesce(u.disable_time, $2)
       WHERE u.id = ANY($1::uuid[]) RETURNING u.id`,
      [userIds, at],
    );
    return rows.map((r) => r.id);
  }

  async unbanUsers(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    const rows = await this.#db.rows<{ id: string }>(
      'UPDATE users AS u SET disable_time = NULL WHERE u.id = ANY($1::uuid[]) RETURNING u.id',
      [userIds],
    );
    return rows.map((r) => r.id);
  }

  async lockUser(userId: string): Promise<boolean> {
    // FOR UPDATE conflicts with the key-share lock a foreign-key check takes: inserts that reference
    // the user wait for the caller's transaction, then fail if it deleted the user.
    const row = await this.#db.row('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
    return row !== null;
  }

  async deleteUser(userId: string, tombstoneAt: Date | null): Promise<boolean> {
    // One statement, atomic on its own: the user and, when asked, its tombstone.
    const row = await this.#db.row<{ existed: boolean }>(
      `WITH gone AS (DELETE FROM users WHERE id = $1 RETURNING id),
            stone AS (
              INSERT INTO user_tombstones (user_id, create_time)
              SELECT id, $2 FROM gone WHERE $2::timestamptz IS NOT NULL
              ON CONFLICT (user_id) DO NOTHING)
       SELECT EXISTS (SELECT 1 FROM gone) AS existed`,
      [userId, tombstoneAt],
    );
    return row?.existed === true;
  }

  async deletionTime(userId: string): Promise<Date | null> {
    const row = await this.#db.row<{ create_time: Date }>(
      'SELECT create_time FROM user_tombstones WHERE user_id = $1',
      [userId],
    );
    return row?.create_time ?? null;
  }
}

/** {@link RevocationStore} on PostgreSQL. */
export class PgRevocationStore implements RevocationStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async revokeSessions(
    sessions: readonly { tokenId: string; userId: string; expiresAt: Date }[],
  ): Promise<void> {
    if (sessions.length === 0) return;
    // One multi-row statement is atomic on its own; no explicit transaction needed. Re-revoking keeps
    // the later expiry, so a repeated logout never shortens a revocation.
    await this.#db.query(
      `INSERT INTO revoked_sessions (token_id, user_id, expires_at)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
       ON CONFLICT (token_id) DO UPDATE SET expires_at = greatest(revoked_sessions.expires_at, excluded.expires_at)`,
      [sessions.map((s) => s.tokenId), sessions.map((s) => s.userId), sessions.map((s) => s.expiresAt)],
    );
  }

  async revokeUser(userId: string, startedBefore: Date, expiresAt: Date): Promise<void> {
    await this.#db.query(
      `INSERT INTO revoked_users (user_id, started_before, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET
         started_before = greatest(revoked_users.started_before, excluded.started_before),
         expires_at = greatest(revoked_users.expires_at, excluded.expires_at)`,
      [userId, startedBefore, expiresAt],
    );
  }

  async isRevoked(tokenId: string, userId: string, sessionStart: Date): Promise<boolean> {
    const row = await this.#db.row<{ revoked: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE token_id = $1)
           OR EXISTS (SELECT 1 FROM revoked_users WHERE user_id = $2 AND started_before >= $3) AS revoked`,
      [tokenId, userId, sessionStart],
    );
    return row?.revoked === true;
  }

  async revokedUserIds(limit: number): Promise<string[]> {
    const rows = await this.#db.rows<{ user_id: string }>(
      'SELECT user_id FROM revoked_sessions UNION SELECT user_id FROM revoked_users LIMIT $1',
      [limit],
    );
    return rows.map((r) => r.user_id);
  }

  async pruneExpired(now: Date): Promise<number> {
    // Both tables in one statement: atomic without an explicit transaction.
    const row = await this.#db.row<{ n: string }>(
      `WITH s AS (DELETE FROM revoked_sessions WHERE expires_at < $1 RETURNING 1),
            u AS (DELETE FROM revoked_users WHERE expires_at < $1 RETURNING 1)
       SELECT (SELECT count(*) FROM s) + (SELECT count(*) FROM u) AS n`,
      [now],
    );
    return Number(row?.n ?? 0);
  }
}

function maybeUser(row: UserRow | null): UserRecord | null {
  return row ? toUser(row) : null;
}

function toUser(row: UserRow): UserRecord {
  return userFromRow(row, (time) => time);
}

/** Turns a unique violation (SQLSTATE 23505) into a {@link StorageConflictError}; other errors pass through. */
export function asConflict(err: unknown): unknown {
  const e = err as { code?: string; constraint?: string };
  if (e.code !== '23505' || !e.constraint) return err;
  const field = CONFLICTS[e.constraint];
  return field ? new StorageConflictError(field, { cause: err }) : err;
}
