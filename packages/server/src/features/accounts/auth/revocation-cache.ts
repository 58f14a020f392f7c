/**
 * A short-lived memory of "this session is not revoked" verdicts, so that an authenticated request
 * does not read the revocation tables on every call. Only negative verdicts are kept (a revoked
 * session is refused from the database every time, which a revoked client cannot make cheaper).
 *
 * Correctness rests on every revocation passing through this process's {@link RevocationService},
 * which calls {@link RevocationVerdicts.invalidate} before it writes and again once the write has
 * committed. A check that was reading the database while a revocation happened does not store its
 * verdict (the generation moved), so a stale "not revoked" can never be cached. That holds on a
 * single node only: the composition root turns the cache off in cluster mode, where other nodes
 * revoke too (see docs/accounts.md).
 */
import type { Clock } from '../../../shared/clock.ts';
import { OldestFirst } from '../../../shared/oldest-first.ts';

/** Settings of {@link RevocationVerdicts}. */
export interface RevocationVerdictOptions {
  /** How long a verdict is trusted, ms; 0 turns the cache off. */
  readonly ttlMs: number;
  /** Most verdicts kept; the oldest goes first when full. */
  readonly maxEntries: number;
  readonly clock: Clock;
}

/** Negative revocation verdicts by token id, bounded by count and age. */
export class RevocationVerdicts {
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #clock: Clock;
  /** Token id → (user id, when the verdict stops being trusted); insertion order is age order. */
  readonly #verdicts = new Map<string, { readonly userId: string; readonly until: number }>();
  readonly #oldest = new OldestFirst(this.#verdicts);
  #generation = 0;

  constructor(opts: RevocationVerdictOptions) {
    this.#ttlMs = opts.ttlMs;
    this.#max = opts.maxEntries;
    this.#clock = opts.clock;
  }

  /** Whether the cache is on. */
  get enabled(): boolean {
    return this.#ttlMs > 0 && this.#max > 0;
  }

  /** Verdicts held now (for tests and metrics). */
  get size(): number {
    return this.#verdicts.size;
  }

  /** True when the session is known not to be revoked (a fresh verdict for this token and user). */
  notRevoked(tokenId: string, userId: string): boolean {
    const v = this.#verdicts.get(tokenId);
    if (!v) return false;
    if (v.until <= this.#clock.now() || v.userId !== userId) {
      this.#verdicts.delete(tokenId);
      return false;
    }
    return true;
  }

  /** Starts a database check: the generation to hand back to {@link remember}. */
  begin(): number {
    return this.#generation;
  }

  /**
   * Remembers that the session is not revoked, unless a revocation started or committed since
   * `generation` was taken (the database answer may predate it).
   */
  remember(generation: number, tokenId: string, userId: string): void {
    if (!this.enabled || generation !== this.#generation) return;
    this.#verdicts.delete(tokenId);
    while (this.#verdicts.size >= this.#max) if (this.#oldest.evict() === undefined) break;
    this.#verdicts.set(tokenId, { userId, until: this.#clock.now() + this.#ttlMs });
  }

  /** Forgets every verdict and refuses those of checks already running (a revocation is happening). */
  invalidate(): void {
    this.#generation++;
    this.#verdicts.clear();
  }
}
