/**
 * The matchmaker's pure core: a pool of tickets and the interval step that groups them into matches.
 * No I/O, no timers: the service calls {@link MatchmakerPool.process} on its interval, tests call it
 * directly.
 *
 * @packageDocumentation
 */
import type { Clock } from '../../shared/clock.ts';
import {
  flatDocument,
  matchesQuery,
  type Query,
  type QueryDocument,
  type Scalar,
} from '../../shared/query/query.ts';
import { type IndexedEntry, oldestFirst, PoolIndex } from './pool-index.ts';

/** What the pool needs from a ticket. Extra fields of `T` travel through untouched. */
export interface PoolTicket {
  readonly id: string;
  /** Sessions in the ticket: one for a player, every member for a party. Its size is the ticket's count. */
  readonly sessionIds: readonly string[];
  readonly minCount: number;
  readonly maxCount: number;
  /** Match sizes must be a multiple of this (1 when not given). */
  readonly countMultiple: number;
  readonly query: Query;
  readonly stringProperties: Readonly<Record<string, string>>;
  readonly numericProperties: Readonly<Record<string, number>>;
}

/** Pool settings. */
export interface PoolOptions {
  /**
   * Intervals a ticket insists on a match of exactly its `maxCount`; from then on it accepts any size
   * from `minCount` (Nakama's `max_intervals`, default 2).
   */
  readonly maxIntervals: number;
  /**
   * Candidates examined per ticket per interval before giving up until the next one. Bounds the work of
   * an interval when many tickets look compatible to the index but fail the full mutual test.
   */
  readonly maxCandidatesPerTicket?: number;
  readonly clock: Clock;
}

/** Counters of the last {@link MatchmakerPool.process} call, for tests and metrics. */
export interface ProcessStats {
  readonly tickets: number;
  /** Candidates taken from the index and examined (the cost driver). */
  readonly candidatesExamined: number;
  readonly groups: number;
}

/** Default of {@link PoolOptions.maxCandidatesPerTicket}. */
export const DEFAULT_MAX_CANDIDATES_PER_TICKET = 2000;

interface Entry<T extends PoolTicket> extends IndexedEntry {
  readonly ticket: T;
  readonly doc: QueryDocument;
  readonly createdAt: number;
  intervals: number;
  /** Set during a process() call once the ticket is in a group. */
  taken: boolean;
}

/** Size constraints of a group under construction, after each added ticket. */
interface Step {
  readonly size: number;
  /** Largest `minCount` so far. */
  readonly floor: number;
  /** Smallest `maxCount` so far. */
  readonly cap: number;
  /** Least common multiple of the count multiples so far. */
  readonly multiple: number;
  /** The size every still-patient ticket insists on (its `maxCount`), if any. */
  readonly target: number | undefined;
}

/**
 * Tickets waiting for a match, oldest first, and the grouping step.
 *
 * Rules of {@link process} (one call = one interval):
 * 1. Every ticket's interval count goes up by one.
 * 2. Tickets are taken oldest first. Each one not yet grouped seeds a group and adds candidates oldest
 *    first: a candidate joins when its query holds for every member and every member's query holds for
 *    it (mutual matching), it shares no session with the group, and the sizes stay compatible.
 * 3. Sizes count players (a party ticket counts its members). A ticket that has waited fewer than
 *    `maxIntervals` intervals only accepts a match of exactly its `maxCount`; after that any size from
 *    its `minCount` to its `maxCount`. Every size is a multiple of every member's `countMultiple`.
 * 4. The group keeps the longest prefix (in joining order) of at least two tickets whose size every
 *    member accepts; the rest go back to the pool. Grouped tickets leave the pool.
 *
 * Cost per interval, n tickets: building the index O(n log n) (see {@link PoolIndex}), then for each
 * ungrouped ticket O(c) candidates (c = the smaller of its forward and reverse candidate lists, capped
 * by `maxCandidatesPerTicket`, plus O(c log c) when lists have to be merged), each checked against the
 * k members of the group: O(n log n + n·c·k·q) for queries of q clauses. Selective queries keep c
 * small; at worst c = the cap, never O(n³).
 */
export class MatchmakerPool<T extends PoolTicket> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #maxIntervals: number;
  readonly #maxCandidates: number;
  readonly #clock: Clock;
  #seq = 0;
  #stats: ProcessStats = { tickets: 0, candidatesExamined: 0, groups: 0 };

  constructor(options: PoolOptions) {
    this.#maxIntervals = options.maxIntervals;
    this.#maxCandidates = options.maxCandidatesPerTicket ?? DEFAULT_MAX_CANDIDATES_PER_TICKET;
    this.#clock = options.clock;
  }

  /** Tickets in the pool. */
  get size(): number {
    return this.#entries.size;
  }

  /** Counters of the last interval. */
  get stats(): ProcessStats {
    return this.#stats;
  }

  /** Adds a ticket; it is the newest. Its id must be unique in the pool. */
  add(ticket: T): void {
    if (this.#entries.has(ticket.id)) throw new Error(`duplicate matchmaker ticket ${ticket.id}`);
    const fields: (readonly [string, Scalar])[] = [];
    for (const [k, v] of Object.entries(ticket.stringProperties)) fields.push([`properties.${k}`, v]);
    for (const [k, v] of Object.entries(ticket.numericProperties)) fields.push([`properties.${k}`, v]);
    this.#entries.set(ticket.id, {
      ticket,
      seq: this.#seq++,
      query: ticket.query,
      fields,
      doc: flatDocument(fields),
      createdAt: this.#clock.now(),
      intervals: 0,
      taken: false,
    });
  }

  /** Removes a ticket; returns it, or `undefined` if it was not pooled. */
  remove(id: string): T | undefined {
    const entry = this.#entries.get(id);
    if (entry === undefined) return undefined;
    this.#entries.delete(id);
    return entry.ticket;
  }

  /** A pooled ticket by id. */
  get(id: string): T | undefined {
    return this.#entries.get(id)?.ticket;
  }

  /** When a ticket was added (clock milliseconds), for the matched hook's entries. */
  createdAt(id: string): number | undefined {
    return this.#entries.get(id)?.createdAt;
  }

  /** Intervals a ticket has been through. */
  intervalsOf(id: string): number | undefined {
    return this.#entries.get(id)?.intervals;
  }

  /** Every pooled ticket, oldest first. */
  *tickets(): IterableIterator<T> {
    for (const entry of this.#entries.values()) yield entry.ticket;
  }

  /**
   * Runs one interval: groups what can be grouped and removes those tickets from the pool.
   *
   * @param usable - tickets it returns false for are skipped this interval (e.g. a session that
   *   closed); the caller removes them
   * @returns the groups, each oldest ticket first
   */
  process(usable: (ticket: T) => boolean = () => true): T[][] {
    const entries: Entry<T>[] = [];
    for (const entry of this.#entries.values()) {
      entry.intervals++;
      entry.taken = false;
      if (usable(entry.ticket)) entries.push(entry);
    }
    const index = new PoolIndex(entries);
    const busySessions = new Set<string>();
    const groups: T[][] = [];
    let examined = 0;
    for (const seed of entries) {
      if (seed.taken || seed.ticket.sessionIds.some((s) => busySessions.has(s))) continue;
      const { group, looked } = this.#grow(seed, index, busySessions);
      examined += looked;
      if (group === undefined) continue;
      for (const entry of group) {
        entry.taken = true;
        this.#entries.delete(entry.ticket.id);
        for (const s of entry.ticket.sessionIds) busySessions.add(s);
      }
      groups.push(group.map((e) => e.ticket));
    }
    this.#stats = { tickets: entries.length, candidatesExamined: examined, groups: groups.length };
    return groups;
  }

  /** Builds the best group seeded by `seed`, or nothing. */
  #grow(
    seed: Entry<T>,
    index: PoolIndex<Entry<T>>,
    busySessions: ReadonlySet<string>,
  ): { group: Entry<T>[] | undefined; looked: number } {
    const first = this.#extend(undefined, seed);
    if (first === undefined) return { group: undefined, looked: 0 };
    const members = [seed];
    const steps = [first];
    const sessions = new Set(seed.ticket.sessionIds);
    let looked = 0;
    for (const candidate of oldestFirst(index.candidates(seed))) {
      const last = steps[steps.length - 1]!;
      if (last.size === (last.target ?? last.cap)) break;
      if (candidate === seed || candidate.taken) continue;
      if (looked >= this.#maxCandidates) break;
      looked++;
      if (candidate.ticket.sessionIds.some((s) => sessions.has(s) || busySessions.has(s))) continue;
      const next = this.#extend(last, candidate);
      if (next === undefined || !members.every((m) => mutual(m, candidate))) continue;
      members.push(candidate);
      steps.push(next);
      for (const s of candidate.ticket.sessionIds) sessions.add(s);
    }
    for (let n = members.length; n >= 2; n--) {
      if (accepts(steps[n - 1]!)) return { group: members.slice(0, n), looked };
    }
    return { group: undefined, looked };
  }

  /** The group's constraints with `entry` added, or `undefined` if no size could then satisfy all. */
  #extend(step: Step | undefined, entry: Entry<T>): Step | undefined {
    const t = entry.ticket;
    const patient = entry.intervals < this.#maxIntervals;
    const size = (step?.size ?? 0) + t.sessionIds.length;
    const floor = Math.max(step?.floor ?? 0, t.minCount);
    const cap = Math.min(step?.cap ?? Number.POSITIVE_INFINITY, t.maxCount);
    const multiple = lcm(step?.multiple ?? 1, Math.max(1, t.countMultiple));
    let target = step?.target;
    if (patient) {
      if (target !== undefined && target !== t.maxCount) return undefined;
      target = t.maxCount;
    }
    const limit = target ?? cap;
    if (target !== undefined && (target > cap || target % multiple !== 0)) return undefined;
    if (floor > cap || size > limit || multiple > cap) return undefined;
    return { size, floor, cap, multiple, target };
  }
}

/** True if a group of this shape can be closed now. */
function accepts(step: Step): boolean {
  const { size, floor, cap, multiple, target } = step;
  if (target !== undefined && size !== target) return false;
  return size >= floor && size <= cap && size % multiple === 0;
}

/** Each ticket's query holds for the other's properties. */
function mutual<T extends PoolTicket>(a: Entry<T>, b: Entry<T>): boolean {
  return matchesQuery(a.query, b.doc) && matchesQuery(b.query, a.doc);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}
