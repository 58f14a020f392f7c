/**
 * A short, bounded record of the revocations this node has applied to its sockets, so that a session
 * whose token check was in flight when a revocation closed "every socket of this session/user" is
 * still closed when it opens afterwards.
 *
 * @packageDocumentation
 */
import type { RevocationEvent } from '../session/verifier.ts';
import type { Clock } from '../shared/clock.ts';

/** How long a revocation is remembered, ms: far longer than a token check takes. */
export const REVOCATION_RECORD_MS = 10_000;
/** Most revocations remembered at once (about 200 bytes each: ids, cause, sequence, time). */
export const REVOCATION_RECORD_ENTRIES = 10_000;

/** What a token check took note of when it began ({@link RecentRevocations.mark}). */
export type RevocationMark = number;

/** A recorded revocation. */
interface Entry {
  readonly seq: number;
  readonly atMs: number;
  readonly event: RevocationEvent;
}

/** The token a session opened with, as far as revocations are concerned. */
export interface CheckedToken {
  readonly userId: string;
  readonly tokenId: string;
  /** Unix seconds at which the token's session started. */
  readonly issuedAt: number;
}

/**
 * Revocations recorded after a check began that cover its token: the first such event, `unknown`
 * when the record no longer reaches back to the check's start (it outlasted the record), else
 * undefined.
 */
export type RevokedSince = RevocationEvent | 'unknown' | undefined;

/**
 * The record. Each revocation gets a sequence number; a token check takes the current number
 * ({@link mark}) before it reads storage, and the session it opens asks {@link revokedSince} whether a
 * revocation recorded since covers its token: the same session id, or a user-wide revocation
 * ("revoked before T", T the time it was recorded here) of a session started before T.
 *
 * Policy: entries older than `retentionMs` are dropped, and the oldest is dropped when `maxEntries`
 * is reached (bounding memory at about `maxEntries` × 200 bytes). A check that began before a
 * dropped entry cannot be vouched for: {@link revokedSince} answers `unknown`, and the caller closes
 * the session so the client reconnects and is checked against storage again.
 */
export class RecentRevocations {
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #maxEntries: number;
  /** Entries in recording order (a ring would save the `shift`; at 10k entries it does not matter). */
  readonly #entries: Entry[] = [];
  /** Entries by user, each list in recording order. */
  readonly #byUser = new Map<string, Entry[]>();
  #seq = 0;
  /** Sequence number of the newest entry dropped. */
  #droppedThrough = 0;

  constructor(opts: { clock: Clock; retentionMs?: number; maxEntries?: number }) {
    this.#clock = opts.clock;
    this.#retentionMs = opts.retentionMs ?? REVOCATION_RECORD_MS;
    this.#maxEntries = Math.max(1, opts.maxEntries ?? REVOCATION_RECORD_ENTRIES);
  }

  /** Revocations remembered now. */
  get size(): number {
    return this.#entries.length;
  }

  /** Taken when a token check begins, before storage is read. */
  mark(): RevocationMark {
    return this.#seq;
  }

  /** Records a revocation that has just been applied to this node's open sessions. */
  record(event: RevocationEvent): void {
    const now = this.#clock.now();
    this.#prune(now);
    if (this.#entries.length >= this.#maxEntries) this.#dropOldest();
    const entry: Entry = { seq: ++this.#seq, atMs: now, event };
    this.#entries.push(entry);
    const list = this.#byUser.get(event.userId);
    if (list) list.push(entry);
    else this.#byUser.set(event.userId, [entry]);
  }

  /** Whether a revocation recorded after `mark` covers `token` (see {@link RevokedSince}). */
  revokedSince(mark: RevocationMark, token: CheckedToken): RevokedSince {
    this.#prune(this.#clock.now());
    if (mark < this.#droppedThrough) return 'unknown';
    for (const entry of this.#byUser.get(token.userId) ?? []) {
      if (entry.seq <= mark) continue;
      const { tokenId } = entry.event;
      if (tokenId === token.tokenId) return entry.event;
      if (tokenId === null && token.issuedAt * 1000 <= entry.atMs) return entry.event;
    }
    return undefined;
  }

  #prune(now: number): void {
    const oldest = now - this.#retentionMs;
    while (this.#entries.length > 0 && this.#entries[0]!.atMs < oldest) this.#dropOldest();
  }

  #dropOldest(): void {
    const entry = this.#entries.shift();
    if (!entry) return;
    this.#droppedThrough = entry.seq;
    const list = this.#byUser.get(entry.event.userId);
    list?.shift();
    if (list && list.length === 0) this.#byUser.delete(entry.event.userId);
  }
}
