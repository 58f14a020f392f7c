/**
 * The identity store on the PostgreSQL port. Each operation is one transaction that first locks the
 * user's row (`FOR UPDATE`): two unlinks of the same user take turns, and the second sees what the
 * first left, so a user can never be left with nothing to log in with. Does not import `pg`.
 */
import type { PostgresDb } from '../../../db/db.ts';
import { ConflictField, StorageConflictError } from './account-store.ts';
import type { IdentityStore } from './identity-store.ts';
import { asConflict } from './postgres.ts';

/** The user's identities other than the one being removed: at least one must remain. */
const OTHERS = `(SELECT count(*) FROM user_devices WHERE user_id = $1)
  + (SELECT (email IS NOT NULL)::int + (custom_id IS NOT NULL)::int FROM users WHERE id = $1)`;

/** {@link IdentityStore} on PostgreSQL. */
export class PgIdentityStore implements IdentityStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  linkDevice(userId: string, deviceId: string, now: Date): Promise<boolean> {
    return this.#locked(userId, now, async () => {
      // DO NOTHING waits for a concurrent insert of the same device, then sees it.
      const { rowCount } = await this.#db.query(
        'INSERT INTO user_devices (id, user_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING',
        [deviceId, userId],
      );
      if (rowCount > 0) return true;
      const owner = await this.#db.row<{ user_id: string }>(
        'SELECT user_id FROM user_devices WHERE id = $1',
        [deviceId],
      );
      if (owner?.user_id !== userId) throw new StorageConflictError(ConflictField.DEVICE);
      return true;
    });
  }

  linkCustomId(userId: string, customId: string, now: Date): Promise<boolean> {
    return this.#locked(userId, now, async () => {
      await this.#db.query('UPDATE users SET custom_id = $2 WHERE id = $1', [userId, customId]);
      return true;
    });
  }

  linkEmail(userId: string, email: string, passwordHash: string, now: Date): Promise<boolean> {
    return this.#locked(userId, now, async () => {
      await this.#db.query('UPDATE users SET email = $2, password_hash = $3 WHERE id = $1', [
        userId,
        email,
        passwordHash,
      ]);
      return true;
    });
  }

  unlinkDevice(userId: string, deviceId: string, now: Date): Promise<boolean> {
    return this.#locked(userId, now, async () => {
      const { rowCount } = await this.#db.query(
        `DELETE FROM user_devices WHERE id = $2 AND user_id = $1 AND ${OTHERS} > 1`,
        [userId, deviceId],
      );
      return rowCount > 0;
    });
  }

  unlinkCustomId(userId: string, customId: string | null, now: Date): Promise<boolean> {
    return this.#locked(userId, now, async () => {
      const { rowCount } = await this.#db.query(
        `UPDATE users SET custom_id = NULL
         WHERE id = $1 AND custom_id IS NOT NULL AND ($2::text IS NULL OR custom_id = $2) AND ${OTHERS} > 1`,
        [userId, customId],
      );
      return rowCount > 0;
    });
  }

  unlinkEmail(userId: string, email: string | null, now: Date): Promise<boolean> {
    return this.#locked(userId, now, async () => {
      const { rowCount } = await this.#db.query(
        `UPDATE users SET email = NULL, password_hash = NULL
         WHERE id = $1 AND email IS NOT NULL AND ($2::text IS NULL OR email = $2) AND ${OTHERS} > 1`,
        [userId, email],
      );
      return rowCount > 0;
    });
  }

  /**
   * Runs `change` in a transaction holding the user's row lock; a change that happened bumps the
   * update time. False when the user does not exist; unique violations become `StorageConflictError`s.
   */
  async #locked(userId: string, now: Date, change: () => Promise<boolean>): Promise<boolean> {
    try {
      return await this.#db.tx(async () => {
        const user = await this.#db.row('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [userId]);
        if (!user) return false;
        if (!(await change())) return false;
        await this.#db.query('UPDATE users SET update_time = $2 WHERE id = $1', [userId, now]);
        return true;
      });
    } catch (err) {
      throw asConflict(err);
    }
  }
}
