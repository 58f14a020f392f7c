import type BetterSqlite3 from 'better-sqlite3';
import { timeFromMillis, type UserRow as UserRowOf, userFromRow } from '../rows.ts';
import {
  type AccountRecord,
  type AccountStore,
  ConflictField,
  type NewAccount,
  type ProfileUpdate,
  StorageConflictError,
  type UserRecord,
} from '../types.ts';

type Database = BetterSqlite3.Database;

type UserRow = UserRowOf<number>;

interface AccountRow extends UserRow {
  email: string | null;
  custom_id: string | null;
  wallet: string;
}

const USER_COLUMNS =
  'id, username, display_name, avatar_url, lang_tag, location, timezone, metadata, create_time, update_time, disable_time';

/**
 * {@link AccountStore} on SQLite. better-sqlite3 is synchronous, so every method does its work at
 * once and returns a settled promise; multi-statement writes run in one transaction.
 */
export class SqliteAccountStore implements AccountStore {
  readonly #db: Database;
  readonly #insertUser: BetterSqlite3.Statement;
  readonly #insertDevice: BetterSqlite3.Statement;
  readonly #byDevice: BetterSqlite3.Statement<[string], UserRow>;
  readonly #byCustom: BetterSqlite3.Statement<[string], UserRow>;
  readonly #byEmail: BetterSqlite3.Statement<[string], UserRow & { password_hash: string | null }>;
  readonly #byId: BetterSqlite3.Statement<[string], UserRow>;
  readonly #accountById: BetterSqlite3.Statement<[string], AccountRow>;
  readonly #devicesOf: BetterSqlite3.Statement<[string], { id: string }>;
  readonly #list: BetterSqlite3.Statement<[string, string], UserRow>;
  readonly #update: BetterSqlite3.Statement<[Record<string, unknown>], UserRow>;
  readonly #ban: BetterSqlite3.Statement<[number, string], { id: string }>;
  readonly #unban: BetterSqlite3.Statement<[string], { id: string }>;

  constructor(db: Database) {
    this.#db = db;
    this.#insertUser = db.prepare(
      `INSERT INTO users (id, username, email, password_hash, custom_id, create_time, update_time)
       VALUES (@id, @username, @email, @passwordHash, @customId, @now, @now)`,
    );
    this.#insertDevice = db.prepare('INSERT INTO user_devices (id, user_id) VALUES (?, ?)');
    this.#byDevice = db.prepare(
      `SELECT ${prefixed('u')} FROM user_devices d JOIN users u ON u.id = d.user_id WHERE d.id = ?`,
    );
    this.#byCustom = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE custom_id = ?`);
    this.#byEmail = db.prepare(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE email = ?`);
    this.#byId = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    this.#accountById = db.prepare(
      `SELECT ${USER_COLUMNS}, email, custom_id, wallet FROM users WHERE id = ?`,
    );
    this.#devicesOf = db.prepare('SELECT id FROM user_devices WHERE user_id = ? ORDER BY id');
    // Arrays travel as one JSON parameter, so one prepared statement serves any number of ids.
    // `username IN (...)` compares with the column's NOCASE collation: case-insensitive lookup.
    this.#list = db.prepare(
      `SELECT ${USER_COLUMNS} FROM users
       WHERE id IN (SELECT value FROM json_each(?)) OR username IN (SELECT value FROM json_each(?))
       ORDER BY create_time, id`,
    );
    // One static statement for every combination of fields: a `set*` flag says whether to touch it.
    this.#update = db.prepare(
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
    this.#ban = db.prepare(
      `UPDATE users SET disable_time = coalesce(disable_time, ?)
       WHERE id IN (SELECT value FROM json_each(?)) RETURNING id`,
    );
    this.#unban = db.prepare(
      'UPDATE users SET disable_time = NULL WHERE id IN (SELECT value FROM json_each(?)) RETURNING id',
    );
  }

  async createAccount(account: NewAccount): Promise<UserRecord> {
    const { identity } = account;
    const now = account.now.getTime();
    const create = this.#db.transaction(() => {
      this.#insertUser.run({
        id: account.id,
        username: account.username,
        email: identity.kind === 'email' ? identity.email : null,
        passwordHash: identity.kind === 'email' ? identity.passwordHash : null,
        customId: identity.kind === 'custom' ? identity.id : null,
        now,
      });
      if (identity.kind === 'device') this.#insertDevice.run(identity.id, account.id);
    });
    try {
      create.immediate();
    } catch (err) {
      throw asConflict(err);
    }
    return toUser(this.#byId.get(account.id)!);
  }

  async findByDevice(deviceId: string): Promise<UserRecord | null> {
    return maybeUser(this.#byDevice.get(deviceId));
  }

  async findByCustomId(customId: string): Promise<UserRecord | null> {
    return maybeUser(this.#byCustom.get(customId));
  }

  async findByEmail(email: string): Promise<{ user: UserRecord; passwordHash: string } | null> {
    const row = this.#byEmail.get(email);
    if (!row || row.password_hash === null) return null;
    return { user: toUser(row), passwordHash: row.password_hash };
  }

  async getUser(userId: string): Promise<UserRecord | null> {
    return maybeUser(this.#byId.get(userId));
  }

  async getAccount(userId: string): Promise<AccountRecord | null> {
    // Both reads in one transaction so the device list matches the user row.
    const read = this.#db.transaction(() => {
      const row = this.#accountById.get(userId);
      if (!row) return null;
      const devices = this.#devicesOf.all(userId).map((d) => d.id);
      return { user: toUser(row), email: row.email, customId: row.custom_id, devices, wallet: row.wallet };
    });
    return read.deferred();
  }

  async listUsers(ids: readonly string[], usernames: readonly string[]): Promise<UserRecord[]> {
    if (ids.length === 0 && usernames.length === 0) return [];
    return this.#list.all(JSON.stringify(ids), JSON.stringify(usernames)).map(toUser);
  }

  async updateProfile(userId: string, update: ProfileUpdate, now: Date): Promise<UserRecord | null> {
    const has = (k: keyof ProfileUpdate) => (update[k] === undefined ? 0 : 1);
    try {
      const row = this.#update.get({
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
      });
      return maybeUser(row);
    } catch (err) {
      throw asConflict(err);
    }
  }

  async banUsers(userIds: readonly string[], at: Date): Promise<string[]> {
    if (userIds.length === 0) return [];
    return this.#ban.all(at.getTime(), JSON.stringify(userIds)).map((r) => r.id);
  }

  async unbanUsers(userIds: readonly string[]): Promise<string[]> {
    if (userIds.length === 0) return [];
    return this.#unban.all(JSON.stringify(userIds)).map((r) => r.id);
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
  return userFromRow(row, timeFromMillis);
}

/** Turns SQLite's unique-constraint error into a {@link StorageConflictError}; other errors pass through. */
function asConflict(err: unknown): unknown {
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
