import { invalid } from '../../shared/domain-error.ts';
import { isUuid } from '../../shared/ids.ts';
import type { AccountStore, UserRecord } from './store/account-store.ts';

/** Longest search term (emails are at most 255 characters, device ids 128). */
const MAX_SEARCH_CHARS = 255;

/**
 * Finds accounts for operators (the admin console): by exact user id, username (any case), device
 * id, custom id or email, over the store's existing look-ups, so no listing query is needed.
 */
export class AccountSearch {
  readonly #store: AccountStore;

  constructor(store: AccountStore) {
    this.#store = store;
  }

  /** Every account one of whose identifiers is `term`, each once. INVALID_ARGUMENT for an empty or overlong term. */
  async find(term: string): Promise<UserRecord[]> {
    const t = term.trim();
    if (t.length === 0 || t.length > MAX_SEARCH_CHARS) {
      throw invalid(
        `Search for 1-${MAX_SEARCH_CHARS} characters: a user id, username, device id, custom id or email.`,
      );
    }
    const store = this.#store;
    const found = await Promise.all([
      isUuid(t) ? store.getUser(t.toLowerCase()) : null,
      store.listUsers([], [t]),
      store.findByDevice(t),
      store.findByCustomId(t),
      t.includes('@') ? store.findByEmail(t.toLowerCase()).then((r) => r?.user ?? null) : null,
    ]);
    const byId = new Map<string, UserRecord>();
    for (const hit of found.flat()) if (hit) byId.set(hit.id, hit);
    return [...byId.values()];
  }
}
