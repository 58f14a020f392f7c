/**
 * The accounts feature's search store, for operators (the admin console): one page of the accounts
 * that match a search term, in a stable order, with keyset paging. Implemented in `search-sqlite.ts`
 * and `search-postgres.ts`; contract suite in `search-store.test.ts`. No SQL here.
 */
import type { UserRecord } from './account-store.ts';

/** Where a page starts: after this account of the order (lower-case username, then id). */
export interface SearchPosition {
  /** The account's username in lower case, as the store orders it. */
  readonly name: string;
  readonly id: string;
}

/** One search. */
export interface AccountSearchQuery {
  /** The term as typed (trimmed). Matched exactly against device ids and custom ids. */
  readonly term: string;
  /** The term as a lower-case user id when it is a UUID (matched exactly against user ids), else null. */
  readonly userId: string | null;
  /** Start after this position; `null` for the first page. */
  readonly after: SearchPosition | null;
  /** Accounts to return at most (1-100). */
  readonly limit: number;
}

/** A page of accounts found; `next` is where the following page starts, `null` when this is the last. */
export interface AccountSearchPage {
  readonly users: UserRecord[];
  readonly next: SearchPosition | null;
}

/**
 * Account search. An account matches when its id is `userId`, its username or email contains the term
 * (ignoring case; `%`, `_` and `\` in the term are literal), or one of its device ids or its custom
 * id is the term. Results are ordered by lower-case username (byte order), then id. The contains
 * match reads every user row (no index helps `LIKE '%term%'`): it is an operator's tool, bounded by
 * `limit` per call, not a player-facing query.
 */
export interface AccountSearchStore {
  search(query: AccountSearchQuery): Promise<AccountSearchPage>;
}

/** The term as a `LIKE` pattern that matches it anywhere, in lower case, with `\` as the escape. */
export function containsPattern(term: string): string {
  return `%${term.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Splits up to `limit + 1` found accounts (each with its sort name as the database computed it, so
 * the next page's comparison uses the same folding) into a page and the position after it.
 */
export function pageOf(
  found: readonly { user: UserRecord; name: string }[],
  limit: number,
): AccountSearchPage {
  const users = found.slice(0, limit).map((f) => f.user);
  const last = found.length > limit ? found[limit - 1] : undefined;
  return { users, next: last ? { name: last.name, id: last.user.id } : null };
}
