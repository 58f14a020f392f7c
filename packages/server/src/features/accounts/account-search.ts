import { cursorFields, defineCursor, InvalidCursorError } from '../../db/cursor.ts';
import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import type { UserRecord } from './store/account-store.ts';
import type { AccountSearchStore } from './store/search-store.ts';

/** Longest search term (emails are at most 255 characters, device ids 128). */
const MAX_SEARCH_CHARS = 255;
/** Accounts per page when the caller does not say, and at most. */
export const SEARCH_PAGE_DEFAULT = 20;
const SEARCH_PAGE_MAX = 100;

/** A page's position: the lower-case username (at most 128 characters in both backends) and the id. */
const SEARCH_CURSOR = defineCursor('accounts.console.search', [cursorFields.text(512), cursorFields.uuid]);

/** One page of a search, and the cursor of the next (absent on the last page). */
export interface AccountSearchResult {
  readonly users: UserRecord[];
  readonly cursor?: string;
}

/**
 * Finds accounts for operators (the admin console): by exact user id, username or email containing
 * the term (any case), or exact device id or custom id; in username order, a page at a time.
 */
export class AccountSearch {
  readonly #store: AccountSearchStore;

  constructor(store: AccountSearchStore) {
    this.#store = store;
  }

  /**
   * One page of the accounts matching `term`. INVALID_ARGUMENT for an empty or overlong term, a
   * limit outside 1-100, or a cursor of another search.
   */
  async find(
    term: string,
    options: { cursor?: string | undefined; limit?: number | undefined } = {},
  ): Promise<AccountSearchResult> {
    const t = term.trim();
    if (t.length === 0 || t.length > MAX_SEARCH_CHARS) {
      throw invalid(
        `Search for 1-${MAX_SEARCH_CHARS} characters: a user id, part of a username or email, a device id or a custom id.`,
      );
    }
    const limit = options.limit ?? SEARCH_PAGE_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > SEARCH_PAGE_MAX) {
      throw invalid(`Invalid limit - limit must be between 1 and ${SEARCH_PAGE_MAX}.`);
    }
    let after: { name: string; id: string } | null = null;
    if (options.cursor) {
      try {
        const p = SEARCH_CURSOR.decode(options.cursor, [t]);
        after = p ? { name: p[0], id: p[1] } : null;
      } catch (err) {
        if (err instanceof InvalidCursorError)
          throw invalid('Cursor is invalid or belongs to another search.');
        throw err;
      }
    }
    const page = await this.#store.search({
      term: t,
      userId: isUuid(t) ? t.toLowerCase() : null,
      after,
      limit,
    });
    return {
      users: page.users,
      ...(page.next ? { cursor: SEARCH_CURSOR.encode([page.next.name, page.next.id], [t]) } : {}),
    };
  }
}
