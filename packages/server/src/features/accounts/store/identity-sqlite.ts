/**
 * The identity store on the SQLite port; times are Unix milliseconds. Each operation runs its
 * statements as one synchronous block in one transaction: no other write interleaves, so "is this the
 * last identity?" cannot change between the check and the change.
 */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
import { ConflictField, StorageConflictError } from './account-store.ts';
import type { IdentityStore } from './identity-store.ts';
import { asConflict } from './sqlite.ts';

/** How many identities a user has besides the one being removed must be at least 1. */
const OTHERS = `(SELECT count(*) FROM user_devices WHERE user_id = @user)
  + (SELECT (email IS NOT NULL) + (custom_id IS NOT NULL) FROM users WHERE id = @user)`;

/** {@link IdentityStore} on SQLite. */
export class SqliteIdentityStore implements IdentityStore {
  readonly #db: SqliteDb;
  readonly #touch: SqliteStatement<{ user: string; now: number }, unknown>;
  readonly #deviceOwner: SqliteStatement<[string], { user_id: string }>;
  readonly #insertDevice: SqliteStatement<[string, string], unknown>;
  readonly #setCustom: SqliteStatement<{ user: string; custom: string; now: number }, unknown>;
  readonly #setEmail: SqliteStatement<{ user: string; email: string; hash: string; now: number }, unknown>;
  readonly #unlinkDevice: SqliteStatement<{ user: string; device: string }, unknown>;
  readonly #unlinkCustom: SqliteStatement<{ user: string; custom: string | null; now: number }, unknown>;
  readonly #unlinkEmail: SqliteStatement<{ user: string; email: string | null; now: number }, unknown>;

  /** `db` must be migrated (the accounts tables exist) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    this.#touch = db.prepare('UPDATE users SET update_time = @now WHERE id = @user');
    this.#deviceOwner = db.prepare<[string], { user_id: string }>(
      'SELECT user_id FROM user_devices WHERE id = ?',
    );
    this.#insertDevice = db.prepare('INSERT INTO user_devices (id, user_id) VALUES (?, ?)');
    this.#setCustom = db.prepare('UPDATE users SET custom_id = @custom, update_time = @now WHERE id = @user');
    this.#setEmail = db.prepare(
      'UPDATE users SET email = @email, password_hash = @hash, update_time = @now WHERE id = @user',
    );
    this.#unlinkDevice = db.prepare(
      `DELETE FROM user_devices WHERE id = @device AND user_id = @user AND ${OTHERS} > 1`,
    );
    this.#unlinkCustom = db.prepare(
      `UPDATE users SET custom_id = NULL, update_time = @now
       WHERE id = @user AND custom_id IS NOT NULL AND (@custom IS NULL OR custom_id = @custom)
         AND ${OTHERS} > 1`,
    );
    this.#unlinkEmail = db.prepare(
      `UPDATE users SET email = NULL, password_hash = NULL, update_time = @now
       WHERE id = @user AND email IS NOT NULL AND (@email IS NULL OR email = @email)
         AND ${OTHERS} > 1`,
    );
  }

  linkDevice(userId: string, deviceId: string, now: Date): Promise<boolean> {
    return this.#change(() => {
      const owner = this.#deviceOwner.get(deviceId)?.user_id;
      if (owner !== undefined && owner !== userId) throw new StorageConflictError(ConflictField.DEVICE);
      if (this.#touch.run({ user: userId, now: now.getTime() }).changes === 0) return false;
      if (owner === undefined) this.#insertDevice.run(deviceId, userId);
      return true;
    });
  }

  linkCustomId(userId: string, customId: string, now: Date): Promise<boolean> {
    return this.#change(
      () => this.#setCustom.run({ user: userId, custom: customId, now: now.getTime() }).changes > 0,
    );
  }

  linkEmail(userId: string, email: string, passwordHash: string, now: Date): Promise<boolean> {
    return this.#change(
      () => this.#setEmail.run({ user: userId, email, hash: passwordHash, now: now.getTime() }).changes > 0,
    );
  }

  unlinkDevice(userId: string, deviceId: string, now: Date): Promise<boolean> {
    return this.#change(() => {
      if (this.#unlinkDevice.run({ user: userId, device: deviceId }).changes === 0) return false;
      this.#touch.run({ user: userId, now: now.getTime() });
      return true;
    });
  }

  unlinkCustomId(userId: string, customId: string | null, now: Date): Promise<boolean> {
    return this.#change(
      () => this.#unlinkCustom.run({ user: userId, custom: customId, now: now.getTime() }).changes > 0,
    );
  }

  unlinkEmail(userId: string, email: string | null, now: Date): Promise<boolean> {
    return this.#change(() => this.#unlinkEmail.run({ user: userId, email, now: now.getTime() }).changes > 0);
  }

  /** Runs `work` as one block in one transaction; unique violations become `StorageConflictError`s. */
  async #change(work: () => boolean): Promise<boolean> {
    try {
      return await this.#db.tx(() => this.#db.run(work));
    } catch (err) {
      throw asConflict(err);
    }
  }
}
