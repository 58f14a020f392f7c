/**
 * Rank indexes in step across the nodes of a cluster.
 *
 * Each node holds its own in-memory rank indexes (rank-book.ts). A record written on node A reaches
 * the shared database at once, but B's index only learns of it from here:
 *
 * - **Out.** After each commit, the rank book tells this table which `(period, owner)` changed; the
 *   keys of one event-loop turn go out as one replicated delta (the cluster's sequence numbers find
 *   anything the bus lost).
 * - **In.** A delta names keys, not scores: the receiver reads those records back from the database
 *   and puts what it finds into its index (or takes out what is gone). Whatever order deltas from
 *   several nodes arrive in, the last read of a key sees the last commit to it. One worker reads, a
 *   batch of owners of one period at a time, so reads of the same key never overtake each other.
 * - **Races with local writes.** A local commit of a key whose read is in flight makes that read's
 *   answer possibly older than the index: the key is read again instead of applied.
 * - **Gaps and first sight.** When the replicator finds a gap in a node's deltas (Redis was away, a
 *   frame was lost), or first sees a node that has written records, every live period is read again
 *   from the database (in the background; reads keep the old index until a period's load finishes).
 * - **Bounds.** At most {@link MAX_PENDING_KEYS} keys wait; past that a period's keys are replaced by
 *   one reload of the period, so memory stays bounded and nothing is silently dropped.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { z } from 'zod';
import type { ReplicaTable } from '../../cluster/peers.ts';
import type { BoardRegistry } from './board-registry.ts';
import type { RankBook, RankChangeListener } from './rank-book.ts';
import type { LeaderboardStore, Period } from './store/leaderboard-store.ts';

/** Keys waiting to be read, over all periods, before periods are reloaded whole instead. */
export const MAX_PENDING_KEYS = 100_000;
/** Owners read per database query. */
const READ_BATCH = 500;
/** Owners per period entry of one delta (a bigger set goes in several entries). */
const DELTA_OWNERS = 1000;

const Uuid = z.string().max(36);
const BoardId = z.string().min(1).max(128);
const Delta = z.object({
  /** Changed records: board, expiry, owners. */
  p: z
    .array(z.object({ b: BoardId, e: z.number().int().min(0), o: z.array(Uuid).max(DELTA_OWNERS) }))
    .max(10_000),
  /** Deleted boards. */
  d: z.array(BoardId).max(10_000),
});
type Delta = z.infer<typeof Delta>;
/** How many changes the node has published: a node that has written nothing needs no reload. */
const Snapshot = z.object({ n: z.number().int().min(0) });
type Snapshot = z.infer<typeof Snapshot>;

interface Pending {
  readonly period: Period;
  readonly owners: Set<string>;
  /** Read the whole period again (a gap, or too many keys). */
  reload: boolean;
}

const keyOf = (p: Period) => `${p.leaderboardId}\u0000${p.expiryTime}`;

/** What {@link RankSync} works on. */
export interface RankSyncDeps {
  readonly ranks: RankBook;
  readonly boards: BoardRegistry;
  readonly store: LeaderboardStore;
  readonly logger: Logger;
  /** Unix seconds now (expired periods are not read). */
  readonly nowSec: () => number;
}

/** The replicated table that keeps other nodes' rank indexes in step with this node's writes. */
export class RankSync implements ReplicaTable<Delta, Snapshot>, RankChangeListener {
  readonly name = 'leaderboards.ranks';
  readonly delta = Delta;
  readonly snapshot = Snapshot;
  readonly #deps: RankSyncDeps;
  /** Set by the composition of the feature: publishes one delta to the other nodes. */
  publish: (delta: Delta) => void = () => {};
  #published = 0;
  /** Keys changed here this turn, per period: the next delta. */
  readonly #out = new Map<string, { readonly period: Period; readonly owners: Set<string> }>();
  readonly #outBoards: string[] = [];
  #flushQueued = false;
  readonly #in = new Map<string, Pending>();
  #inKeys = 0;
  #working: Promise<void> | undefined;
  /** Keys of the batch being read now (period key → owners, or `null` for a whole period). */
  #reading: { period: string; owners: Set<string> | null } | undefined;
  /** Keys changed here while their read was in flight: read again. */
  readonly #dirty = new Set<string>();
  #closed = false;

  constructor(deps: RankSyncDeps) {
    this.#deps = deps;
  }

  /** Changes applied from other nodes and reloads done, for tests and logs. */
  readonly stats = { keysRead: 0, reloads: 0 };

  // Local changes, out to the other nodes.

  changed(period: Period, ownerId: string): void {
    const key = keyOf(period);
    const reading = this.#reading;
    if (reading?.period === key && (reading.owners === null || reading.owners.has(ownerId))) {
      this.#dirty.add(ownerId);
    }
    let entry = this.#out.get(key);
    if (entry === undefined) {
      entry = {
        period: { leaderboardId: period.leaderboardId, expiryTime: period.expiryTime },
        owners: new Set<string>(),
      };
      this.#out.set(key, entry);
    }
    entry.owners.add(ownerId);
    this.#queueFlush();
  }

  boardDropped(id: string): void {
    this.#outBoards.push(id);
    this.#queueFlush();
  }

  #queueFlush(): void {
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#flushQueued = false;
    const p: Delta['p'] = [];
    for (const { period, owners } of this.#out.values()) {
      const all = [...owners];
      for (let i = 0; i < all.length; i += DELTA_OWNERS) {
        p.push({ b: period.leaderboardId, e: period.expiryTime, o: all.slice(i, i + DELTA_OWNERS) });
      }
    }
    this.#out.clear();
    const d = this.#outBoards.splice(0);
    if (p.length === 0 && d.length === 0) return;
    this.#published += p.length + d.length;
    this.publish({ p, d });
  }

  // The replicated table, in from the other nodes.

  local(): Snapshot {
    return { n: this.#published };
  }

  apply(_node: string, delta: Delta): void {
    for (const id of delta.d) {
      this.#deps.boards.forget(id);
      this.#deps.ranks.unmirrorBoard(id);
      for (const [key, entry] of this.#in) {
        if (entry.period.leaderboardId === id) this.#forgetPending(key);
      }
    }
    for (const { b, e, o } of delta.p) this.#enqueue({ leaderboardId: b, expiryTime: e }, o);
    this.#kick();
  }

  load(node: string, snapshot: Snapshot): void {
    if (snapshot.n === 0) return;
    this.#deps.logger.info({ node }, 'leaderboards: reading live periods again after a gap in their changes');
    void this.#deps.store.livePeriods(this.#deps.nowSec()).then(
      (periods) => {
        for (const p of periods) this.#enqueueReload(p);
        this.#kick();
      },
      (err: unknown) => this.#deps.logger.warn({ err }, 'leaderboards: cannot list live periods to reload'),
    );
  }

  drop(_node: string): void {}

  /** Stops reading (shutdown); resolves when the read in flight is done. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#in.clear();
    await this.#working;
  }

  /** Resolves once everything received so far has been applied (tests). */
  async idle(): Promise<void> {
    while (this.#working !== undefined) await this.#working;
  }

  #enqueue(period: Period, owners: readonly string[]): void {
    const key = keyOf(period);
    let entry = this.#in.get(key);
    if (entry === undefined) {
      entry = { period, owners: new Set(), reload: false };
      this.#in.set(key, entry);
    }
    if (entry.reload) return;
    for (const o of owners) {
      if (entry.owners.has(o)) continue;
      if (this.#inKeys >= MAX_PENDING_KEYS) {
        this.#enqueueReload(period);
        return;
      }
      entry.owners.add(o);
      this.#inKeys++;
    }
  }

  #enqueueReload(period: Period): void {
    const key = keyOf(period);
    this.#forgetPending(key);
    this.#in.set(key, {
      period: { leaderboardId: period.leaderboardId, expiryTime: period.expiryTime },
      owners: new Set(),
      reload: true,
    });
  }

  #forgetPending(key: string): void {
    const entry = this.#in.get(key);
    if (entry === undefined) return;
    this.#inKeys -= entry.owners.size;
    this.#in.delete(key);
  }

  #kick(): void {
    if (this.#working !== undefined || this.#closed || this.#in.size === 0) return;
    this.#working = this.#work().finally(() => {
      this.#working = undefined;
      this.#kick();
    });
  }

  async #work(): Promise<void> {
    while (!this.#closed) {
      const next = this.#in.entries().next();
      if (next.done) return;
      const [key, entry] = next.value;
      try {
        if (entry.reload) {
          this.#in.delete(key);
          await this.#reload(key, entry.period);
        } else {
          const owners = [...entry.owners].slice(0, READ_BATCH);
          for (const o of owners) entry.owners.delete(o);
          this.#inKeys -= owners.length;
          if (entry.owners.size === 0) this.#in.delete(key);
          await this.#read(key, entry.period, owners);
        }
      } catch (err) {
        this.#deps.logger.warn(
          { err, leaderboard: entry.period.leaderboardId },
          'leaderboards: cannot read changed records; reloading the period',
        );
        this.#enqueueReload(entry.period);
        await new Promise((resolve) => setTimeout(resolve, 500).unref());
      } finally {
        this.#reading = undefined;
        this.#requeueDirty(entry.period);
      }
    }
  }

  async #read(key: string, period: Period, owners: string[]): Promise<void> {
    const expired = period.expiryTime > 0 && period.expiryTime <= this.#deps.nowSec();
    const board = expired ? undefined : await this.#deps.boards.get(period.leaderboardId);
    if (board === undefined) return;
    this.#reading = { period: key, owners: new Set(owners) };
    const rows = await this.#deps.store.getRecords(period, owners);
    const found = new Map(rows.map((r) => [r.ownerId, r]));
    for (const owner of owners) {
      if (this.#dirty.has(owner)) continue;
      const row = found.get(owner);
      if (row === undefined) this.#deps.ranks.unmirror(period, owner);
      else this.#deps.ranks.mirror(board, row);
    }
    this.stats.keysRead += owners.length;
  }

  async #reload(key: string, period: Period): Promise<void> {
    const expired = period.expiryTime > 0 && period.expiryTime <= this.#deps.nowSec();
    const board = expired ? undefined : await this.#deps.boards.get(period.leaderboardId);
    if (board === undefined) return;
    this.#reading = { period: key, owners: null };
    await this.#deps.ranks.reload(board, period);
    this.stats.reloads++;
  }

  /** Keys written here during a read or reload are read again (the load may predate them). */
  #requeueDirty(period: Period): void {
    if (this.#dirty.size === 0) return;
    const owners = [...this.#dirty];
    this.#dirty.clear();
    this.#enqueue(period, owners);
  }
}
