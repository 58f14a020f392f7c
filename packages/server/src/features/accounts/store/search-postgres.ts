/** The account search store on the PostgreSQL port. Does not import `pg`. */
import type { PostgresDb } from '../../../db/db.ts';
import { type UserRow, userFromRow } from './rows.ts';
import {
  type AccountSearchPage,
  type AccountSearchQuery,
  type AccountSearchStore,
  containsPattern,
  pageOf,
} from './search-store.ts';

/**
 * {@link AccountSearchStore} on PostgreSQL: one statement. The sort key is `lower(username)` in the
 * "C" collation (byte order), so the order and the page boundary never depend on the database's
 * locale.
 */
export class PgAccountSearchStore implements AccountSearchStore {
  readonly #db: PostgresDb;

  constructor(db: PostgresDb) {
    this.#db = db;
  }

  async search(q: AccountSearchQuery): Promise<AccountSearchPage> {
    const rows = await this.#db.rows<UserRow<Date> & { sort_name: string }>(
      `SELECT id, username, display_name, avatar_url, lang_tag, location, timezone, metadata,
              create_time, update_time, disable_time, lower(username) COLLATE "C" AS sort_name
       FROM users
       WHERE (id = $1::uuid
              OR lower(username) LIKE $3 ESCAPE '\\'
              OR email LIKE $3 ESCAPE '\\'
              OR custom_id = $2
              OR id IN (SELECT user_id FROM user_devices WHERE id = $2))
         AND ($4::text IS NULL OR (lower(username) COLLATE "C", id) > ($4::text COLLATE "C", $5::uuid))
       ORDER BY lower(username) COLLATE "C", id
       LIMIT $6`,
      [q.userId, q.term, containsPattern(q.term), q.after?.name ?? null, q.after?.id ?? null, q.limit + 1],
    );
    return pageOf(
      rows.map((r) => ({ user: userFromRow(r, (t) => t), name: r.sort_name })),
      q.limit,
    );
  }
}
