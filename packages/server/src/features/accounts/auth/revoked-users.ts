/**
 * Which users have a revocation in storage, known in memory, so that the session check of a user
 * who has none (most users: every socket of a fresh login) needs no database read. On SQLite that
 * read was about 9 % of the server's CPU per `/ws` socket opened (bench/idle-sockets).
 *
 * Sound on the same terms as the verdict cache (`revocation-cache.ts`): every revocation of the
 * database passes through this process's `RevocationService`, which names the user here before it
 * writes and again once the write has committed; so a single node only, never in cluster mode.
 *
 * @packageDocumentation
 */

/** Settings of {@link RevokedUsers}. */
export interface RevokedUsersOptions {
  /** Reads the ids of every user with a revocation stored, at most `limit` of them. */
  readonly load: (limit: number) => Promise<readonly string[]>;
  /** Most users held; with more revocations stored than that, every check reads the database. */
  readonly maxUsers: number;
}

/**
 * Users that may have a revocation stored: loaded from storage, then kept up to date by the
 * revocations this process makes. A user missing from it has none. Until the first load has
 * finished (or when storage holds more than `maxUsers`), it knows nothing and every check reads.
 */
export class RevokedUsers {
  readonly #o: RevokedUsersOptions;
  /** The users, when known. */
  #users: Set<string> | undefined = undefined;
  /** Users named while a load runs (its read may miss what commits meanwhile); undefined when none runs. */
  #named: Set<string> | undefined = undefined;
  #loading: Promise<void> | undefined = undefined;
  /** A load has been started (after the first, only {@link reload} starts them, not checks). */
  #started = false;

  constructor(options: RevokedUsersOptions) {
    this.#o = options;
  }

  /**
   * True when `userId` certainly has no revocation stored. The first call starts the first load
   * (until it has finished, checks read the database).
   */
  clear(userId: string): boolean {
    if (this.#users) return !this.#users.has(userId);
    if (!this.#started) void this.reload();
    return false;
  }

  /** A revocation of `userId` is about to be written, or has just committed. */
  named(userId: string): void {
    this.#users?.add(userId);
    this.#named?.add(userId);
  }

  /**
   * Reads the users again (after expired revocations were pruned, the set shrinks); resolves once
   * done. One load at a time: a call during a load waits for that one. Never rejects: a failed
   * load leaves the previous knowledge in place, and more than `maxUsers` forgets it (every check
   * reads) until a later load finds fewer.
   */
  reload(): Promise<void> {
    this.#started = true;
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  /** Users held now (undefined: unknown, every check reads). */
  get size(): number | undefined {
    return this.#users?.size;
  }

  async #load(): Promise<void> {
    // Named from now on: a revocation that commits after the read started is named again then.
    const named = new Set<string>();
    this.#named = named;
    try {
      const ids = await this.#o.load(this.#o.maxUsers + 1);
      if (ids.length > this.#o.maxUsers) {
        this.#users = undefined;
        return;
      }
      // A revocation named before the read started but committed after it is named again at its
      // commit, so it is in `named` too (or added to the new set, if it commits after this load).
      const users = new Set(ids);
      for (const id of named) users.add(id);
      this.#users = users;
    } catch {
      // Keep what was known; the next prune's reload tries again.
    } finally {
      this.#named = undefined;
    }
  }
}
