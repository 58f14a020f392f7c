/** The account search store on the SQLite port (times are Unix milliseconds). */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
import { type UserRow, userFromRow } from './rows.ts';
import {
  type AccountSearchPage,
  type AccountSearchQuery,
  type AccountSearchStore,
  containsPattern,
  pageOf,
} from './search-store.ts';

interface Params {
  userId: string | null;
  term: string;
  pattern: string;
  afterName: string | null;
  afterId: string | null;
  limit: number;
}

/**
 * {@link AccountSearchStore} on SQLite: one statement. `lower()` folds ASCII only, here and in the
 * order, so the order and the page boundary agree; the sort key is compared in byte order (BINARY).
 */
export class SqliteAccountSearchStore implements AccountSearchStore {
  readonly #db: SqliteDb;
  readonly #search: SqliteStatement<Params, UserRow<number> & { sort_name: string }>;

  /** `db` must be migrated (the accounts tables exist) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    this.#search = db.prepare<Params, UserRow<number> & { sort_name: string }>(
      `SELECT id, username, display_name, avatar_url, lang_tag, location, timezone, metadata,
              create_time, update_time, disable_time, lower(username) AS sort_name
       FROM users
       WHERE (id = @userId
              OR lower(username) LIKE @pattern ESCAPE '\\'
              OR email LIKE @pattern ESCAPE '\\'
              OR custom_id = @term
              OR id IN (SELECT user_id FROM user_devices WHERE id = @term))
         AND (@afterName IS NULL OR (lower(username), id) > (@afterName, @afterId))
       ORDER BY lower(username), id
       LIMIT @limit`,
    );
  }

  search(q: AccountSearchQuery): Promise<AccountSearchPage> {
    return this.#db.run(() => {
      const rows = this.#search.all({
        userId: q.userId,
        term: q.term,
        pattern: containsPattern(q.term),
        afterName: q.after?.name ?? null,
        afterId: q.after?.id ?? null,
        limit: q.limit + 1,
      });
      return pageOf(
        rows.map((r) => ({ user: userFromRow(r, (t) => new Date(t)), name: r.sort_name })),
        q.limit,
      );
    });
  }
}
