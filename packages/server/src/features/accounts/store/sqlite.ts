/**
 * The accounts feature's stores on the SQLite port; times are Unix milliseconds. Statements are
 * prepared once and run through `db.run()`, so they wait while another request's transaction is open
 * and join the caller's own transaction when there is one.
 */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
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
import { SqliteGroupCommit } from './sqlite-group-commit.ts';
import { SqliteGroupRead } from './sqlite-group-read.ts';

type UserRow = UserRowOf<number>;

interface AccountRow extends UserRow {
  email: string | null;
  custom_id: string | null;
  wallet: string;
}

interface NewUserRow {
  id: string;
  username: string;
  email: string | null;
  passwordHash: string | null;
  customId: string | null;
  now: number;
}

const USER_COLUMNS =
  'id, username, display_name, avatar_url, lang_tag, location, timezone, metadata, create_time, update_time, disable_time';

/** {@link AccountStore} on SQLite. Multi-statement writes run in one transaction. */
export class SqliteAccountStore implements AccountStore {
  readonly #db: SqliteDb;
  readonly #insertUser: SqliteStatement<NewUserRow, UserRow>;
  readonly #insertDevice: SqliteStatement<[string, string], unknown>;
  readonly #byDevice: SqliteStatement<[string], UserRow>;
  readonly #byCustom: SqliteStatement<[string], UserRow>;
  readonly #byEmail: SqliteStatement<[string], UserRow & { password_hash: string | null }>;
  readonly #byId: SqliteStatement<[string], UserRow>;
  readonly #accountById: SqliteStatement<[string], AccountRow>;
  readonly #devicesOf: SqliteStatement<[string], { id: string }>;
  readonly #list: SqliteStatement<[string, string], UserRow>;
  readonly #update: SqliteStatement<Record<string, unknown>, UserRow>;
  readonly #ban: SqliteStatement<[number, string], { id: string }>;
  readonly #unban: SqliteStatement<[string], { id: string }>;
  readonly #exists: SqliteStatement<[string], { id: string }>;
  readonly #deleteUser: SqliteStatement<[string], unknown>;
  readonly #tombstone: SqliteStatement<[string, number], unknown>;
  readonly #tombstoneOf: SqliteStatement<[string], { create_time: number }>;
  /** New accounts made outside a caller's transaction, committed together once per turn. */
  readonly #creates: SqliteGroupCommit<NewAccount, UserRow>;
  /** The authentication lookups made outside a caller's transaction, run together once per turn. */
  readonly #logins: SqliteGroupRead;

  /** `db` must be migrated (the accounts tables exist) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    this.#insertUser = db.prepare<NewUserRow, UserRow>(
      `INSERT INTO users (id, username, email, password_hash, custom_id, create_time, update_time)
       VALUES (@id, @username, @email, @passwordHash, @customId, @now, @now)
       RETURNING ${USER_COLUMNS}`,
    );
    this.#insertDevice = db.prepare<[string, string]>('INSERT INTO user_devices (id, user_id) VALUES (?, ?)');
    this.#byDevice = db.prepare<[string], UserRow>(
      `SELECT ${prefixed('u')} FROM user_devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?`,
    );
    this.#byCustom = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE custom_id = ?`);
    this.#byEmail = db.prepare<[string], UserRow & { password_hash: string | null }>(
      `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE email = ?`,
    );
    this.#byId = db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.#accountById = db.prepare<[string], AccountRow>(
      `SELECT ${USER_COLUMNS}, email, custom_id, wallet FROM users WHERE id = ?`,
    );
    this.#devicesOf = db.prepare<[string], { id: string }>(
      'SELECT id FROM user_devices WHERE user_id = ? ORDER BY id',
    );
    // Arrays travel as one JSON parameter, so one prepared statement serves any number of ids.
    // `username IN (...)` compares with the column's NOCASE collation: case-insensitive lookup.
    this.#list = db.prepare<[string, string], UserRow>(
      `SELECT ${USER_COLUMNS} FROM users
       WHERE id IN (SELECT value FROM json_each(?)) OR username IN (SELECT value FROM json_each(?))
       ORDER BY create_time, id`,
    );
    // One static statement for every combination of fields: a `set*` flag says whether to touch it.
    this.#update = db.prepare<Record<string, unknown>, UserRow>(
      `UPDATE users SET
         username     = CASE WHEN @setUsername THEN @username ELSE username END,
         display_name = CASE WHEN @setDisplayName THEN @displayName ELSE display_name END,
         avatar_url   = CASE WHEN @setAvatarUrl THEN @avatarUrl ELSE avatar_url END,
         lang_tag     = CASE WHEN @setLangTag THEN coalesce(@langTag, 'en') ELSE lang_tag END,
         location     = CASE WHEN @setLocation THEN @location ELSE location END,
         timezone     = CASE WHEN @setTimezone THEN @timezone ELSE timezone END,
         metadata     = CASE WHEN @setMetadata THEN @metadata ELSE metadata END,
         update_time  = @now
       WHERE id = @id
       RETURNING ${USER_COLUMNS}`,
    );
    // coalesce: a second ban keeps the time of the first.
    this.#ban = db.prepare<[number, string], { id: string }>(
      `UPDATE users SET disable_time = coalesce(disable_time, ?)
       WHERE id IN (SELECT value FROM json_each(?)) RETURNING id`,
    );
    this.#unban = db.prepare<[string], { id: string }>(
      'UPDATE users SET disable_time = NULL WHERE id IN (SELECT value FROM json_each(?)) RETURNING id',
    );
    this.#exists = db.prepare<[string], { id: string }>('SELECT id FROM users WHERE id = ?');
    this.#deleteUser = db.prepare<[string]>('DELETE FROM users WHERE id = ?');
    this.#tombstone = db.prepare<[string, number]>(
      'INSERT INTO user_tombstones (user_id, create_time) VALUES (?, ?) ON CONFLICT (user_id) DO NOTHING',
    );
    this.#tombstoneOf = db.prepare<[string], { create_time: number }>(
      'SELECT create_time FROM user_tombstones WHERE user_id = ?',
    );
    this.#creates = new SqliteGroupCommit(db, (account) => this.#insertAccount(account));
    this.#logins = new SqliteGroupRead(db);
  }

  async createAccount(account: NewAccount): Promise<UserRecord> {
    try {
      // Inside the caller's transaction the rows join it; otherwise they are group-committed with
      // the other accounts created in this turn (each in its own savepoint: see SqliteGroupCommit).
      const inCallersTx = await this.#db.run((connection) => connection.inTransaction);
      const row = inCallersTx
        ? await this.#db.run(() => this.#insertAccount(account))
        : await this.#creates.add(account);
      return toUser(row);
    } catch (err) {
      throw asConflict(err);
    }
  }

  /** The user row and its identity (synchronous: the caller makes them one transaction). */
  #insertAccount(account: NewAccount): UserRow {
    const { identity } = account;
    const row = this.#insertUser.get({
      id: account.id,
      username: account.username,
      email: identity.kind === 'email' ? identity.email : null,
      passwordHash: identity.kind === 'email' ? identity.passwordHash : null,
      customId: identity.kind === 'custom' ? identity.id : null,
      now: account.now.getTime(),
    })!;
    if (identity.kind === 'device') this.#insertDevice.run(identity.id, account.id);
    return row;
  }

  findByDevice(deviceId: string): Promise<UserRecord | null> {
    return this.#logins.read(() => maybeUser(this.#byDevice.get(deviceId)));
  }

  findByCustomId(customId: string): Promise<UserRecord | null> {
    return this.#logins.read(() => maybeUser(this.#byCustom.get(customId)));
  }

  findByEmail(email: string): Promise<{ user: UserRecord; passwordHash: string } | null> {
    return this.#logins.read(() => {
      const row = this.#byEmail.get(email);
      if (!row || row.password_hash === null) return null;
      return { user: toUser(row), passwordHash: row.password_hash };
    });
  }

  getUser(userId: string): Promise<UserRecord | null> {
    return this.#db.run(() => maybeUser(this.#byId.get(userId)));
  }

  getAccount(userId: string): Promise<AccountRecord | null> {
    // Both reads in one synchronous turn of the only connection: no write can land in between, so
    // the device list matches the user row.
    return this.#db.run(() => {
      const row = this.#accountById.get(userId);
      if (!row) return null;
      const devices = this.#devicesOf.all(userId).map((d) => d.id);
      return { user: toUser(row), email: row.email, customId: row.custom_id, devices, wallet: row.wallet };
    });
  }

  async listUsers(ids: readonly string[], usernames: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0 && usernames.length === 0) return [];
    return this.#db.run(() => this.#list.all(JSON.stringify(ids), JSON.stringify(usernames)).map(toUser));
  }

  async updateProfile(userId: string, update: ProfileUpdate, now: Date): Promise<UserRecord | null> {
    const has = (k: keyof ProfileUpdate) => (update[k] === undefined ? 0 : 1);
    const params = {
      id: userId,
      now: now.getTime(),
      setUsername: has('username'),
      username: update.username ?? null,
      setDisplayName: has('displayName'),
      displayName: update.displayName ?? null,
      setAvatarUrl: has('avatarUrl'),
      avatarUrl: update.avatarUrl ?? null,
      setLangTag: has('langTag'),
      langTag: update.langTag ?? null,
      setLocation: has('location'),
      location: update.location ?? null,
      setTimezone: has('timezone'),
      timezone: update.timezone ?? null,
      setMetadata: has('metadata'),
      metadata: update.metadata ?? null,
    };
    try {
      return await this.#db.run(() => maybeUser(this.#update.get(params)));
    } catch (err) {
      throw asConflict(err);
    }
  }

  async banUsers(userIds: readonly string[], at: Date): Promise<string[]> {
    if (userIds.length === 0) return [];
    return this.#db.run(() => this.#ban.all(at.getTime(), JSON.stringify(userIds)).map((r) => r.id));
  }

  async unbanUsers(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    return this.#db.run(() => this.#unban.all(JSON.stringify(userIds)).map((r) => r.id));
  }

  lockUser(userId: string): Promise<boolean> {
    // One writer at a time: the caller's transaction already excludes every other write.
    return this.#db.run(() => this.#exists.get(userId) !== undefined);
  }

  deleteUser(userId: string, tombstoneAt: Date | null): Promise<boolean> {
    return this.#db.tx(() =>
      this.#db.run(() => {
        const existed = this.#deleteUser.run(userId).changes > 0;
        if (existed && tombstoneAt) this.#tombstone.run(userId, tombstoneAt.getTime());
        return existed;
      }),
    );
  }

  deletionTime(userId: string): Promise<Date | null> {
    return this.#db.run(() => {
      const row = this.#tombstoneOf.get(userId);
      return row ? new Date(row.create_time) : null;
    });
  }
}

/** {@link RevocationStore} on SQLite; times are Unix milliseconds. */
export class SqliteRevocationStore implements RevocationStore {
  readonly #db: SqliteDb;
  readonly #revokeSession: SqliteStatement<[string, string, number], unknown>;
  readonly #revokeUser: SqliteStatement<[string, number, number], unknown>;
  readonly #isRevoked: SqliteStatement<[string, string, number], { revoked: number }>;
  readonly #revokedUsers: SqliteStatement<[number], { user_id: string }>;
  readonly #pruneSessions: SqliteStatement<[number], unknown>;
  readonly #pruneUsers: SqliteStatement<[number], unknown>;

  /** `db` must be migrated (the revocation tables exist) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    // Re-revoking keeps the later expiry, so a repeated logout never shortens a revocation.
    this.#revokeSession = db.prepare<[string, string, number]>(
      `INSERT INTO revoked_sessions (token_id, user_id, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (token_id) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)`,
    );
    this.#revokeUser = db.prepare<[string, number, number]>(
      `INSERT INTO revoked_users (user_id, started_before, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET
         started_before = max(started_before, excluded.started_before),
         expires_at = max(expires_at, excluded.expires_at)`,
    );
    this.#isRevoked = db.prepare<[string, string, number], { revoked: number }>(
      `SELECT EXISTS (SELECT 1 FROM revoked_sessions WHERE token_id = ?)
           OR EXISTS (SELECT 1 FROM revoked_users WHERE user_id = ? AND started_before >= ?) AS revoked`,
    );
    this.#revokedUsers = db.prepare<[number], { user_id: string }>(
      'SELECT user_id FROM revoked_sessions UNION SELECT user_id FROM revoked_users LIMIT ?',
    );
    this.#pruneSessions = db.prepare<[number]>('DELETE FROM revoked_sessions WHERE expires_at < ?');
    this.#pruneUsers = db.prepare<[number]>('DELETE FROM revoked_users WHERE expires_at < ?');
  }

  async revokeSessions(
    sessions: readonly { tokenId: string; userId: string; expiresAt: Date }[],
  ): Promise<void> {
    if (sessions.length === 0) return;
    await this.#db.tx(() =>
      this.#db.run(() => {
        for (const s of sessions) this.#revokeSession.run(s.tokenId, s.userId, s.expiresAt.getTime());
      }),
    );
  }

  async revokeUser(userId: string, startedBefore: Date, expiresAt: Date): Promise<void> {
    await this.#db.run(() => this.#revokeUser.run(userId, startedBefore.getTime(), expiresAt.getTime()));
  }

  isRevoked(tokenId: string, userId: string, sessionStart: Date): Promise<boolean> {
    return this.#db.run(() => this.#isRevoked.get(tokenId, userId, sessionStart.getTime())?.revoked === 1);
  }

  revokedUserIds(limit: number): Promise<string[]> {
    return this.#db.run(() => this.#revokedUsers.all(limit).map((r) => r.user_id));
  }

  pruneExpired(now: Date): Promise<number> {
    const at = now.getTime();
    return this.#db.tx(() =>
      this.#db.run(() => this.#pruneSessions.run(at).changes + this.#pruneUsers.run(at).changes),
    );
  }
}

function prefixed(alias: string): string {
  return USER_COLUMNS.split(', ')
    .map((c) => `${alias}.${c}`)
    .join(', ');
}

function maybeUser(row: UserRow | undefined): UserRecord | null {
  return row ? toUser(row) : null;
}

function toUser(row: UserRow): UserRecord {
  return userFromRow(row, (ms) => new Date(ms));
}

/** Turns SQLite's unique-constraint error into a {@link StorageConflictError}; other errors pass through. */
export function asConflict(err: unknown): unknown {
  const code = (err as { code?: string }).code;
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return err;
  const message = (err as Error).message;
  if (message.includes('users.username'))
    return new StorageConflictError(ConflictField.USERNAME, { cause: err });
  if (message.includes('user_devices.id'))
    return new StorageConflictError(ConflictField.DEVICE, { cause: err });
  if (message.includes('users.custom_id'))
    return new StorageConflictError(ConflictField.CUSTOM_ID, { cause: err });
  if (message.includes('users.email')) return new StorageConflictError(ConflictField.EMAIL, { cause: err });
  return err;
}
