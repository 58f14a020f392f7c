/**
 * One matchmaker pool for a whole cluster: every node holds every node's tickets.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import type { ReplicaTable } from '../../cluster/peers.ts';
import type { Clock } from '../../shared/clock.ts';
import { MatchmakerPool, type ProcessStats } from './pool.ts';
import { fromWire, type Ticket, toWire, WireTicket } from './tickets.ts';

const Delta = z.object({
  set: z.array(WireTicket).max(10_000).optional(),
  del: z.array(z.string().min(1).max(64)).max(100_000).optional(),
});
type Delta = z.infer<typeof Delta>;
const Snapshot = z.array(WireTicket).max(1_000_000);
type Snapshot = z.infer<typeof Snapshot>;

/** How long a removed or matched ticket's id is remembered (so a late copy is not pooled again). */
const TOMBSTONE_MS = 60_000;
/** Most remembered ids; the oldest are forgotten first. */
const MAX_TOMBSTONES = 200_000;

/**
 * The pool under the matchmaker, replicated (see `Peers.replicate`): a node adds and removes its own
 * tickets (those of its sessions and parties) and publishes the changes; the others apply them. Only
 * the elected node runs intervals over it (the coordinator decides), so each node's pool is a warm
 * standby. Ids of tickets removed or matched are remembered for a minute, so a copy arriving late (a
 * snapshot taken before the removal) is not pooled again. A node that leaves takes its tickets with it.
 */
export class SharedPool implements ReplicaTable<Delta, Snapshot> {
  readonly name = 'mm.tickets';
  readonly delta = Delta;
  readonly snapshot = Snapshot;
  readonly #node: string;
  readonly #pool: MatchmakerPool<Ticket>;
  readonly #clock: Clock;
  readonly #byNode = new Map<string, Set<string>>();
  readonly #tombstones = new Map<string, number>();
  readonly #publish: (delta: Delta) => void;

  constructor(opts: {
    node: string;
    maxIntervals: number;
    clock: Clock;
    replicate: (table: SharedPool) => (delta: Delta) => void;
  }) {
    this.#node = opts.node;
    this.#clock = opts.clock;
    this.#pool = new MatchmakerPool({ maxIntervals: opts.maxIntervals, clock: opts.clock });
    this.#publish = opts.replicate(this);
  }

  /** Tickets of every node. */
  get size(): number {
    return this.#pool.size;
  }

  /** Counters of the last interval run here. */
  get stats(): ProcessStats {
    return this.#pool.stats;
  }

  get(id: string): Ticket | undefined {
    return this.#pool.get(id);
  }

  /** Adds one of this node's tickets and tells the others. */
  addLocal(ticket: Ticket): void {
    this.#insert(ticket);
    this.#publish({ set: [toWire(ticket)] });
  }

  /** Removes one of this node's tickets and tells the others. */
  removeLocal(id: string): void {
    this.#remove(id);
    this.#publish({ del: [id] });
  }

  /** Removes a ticket of another node from this node's view only (its node removes it for all). */
  forgetRemote(id: string): void {
    this.#remove(id);
  }

  /** One interval over every node's tickets; grouped tickets leave the pool (see `MatchmakerPool`). */
  process(usable: (ticket: Ticket) => boolean): Ticket[][] {
    this.#prune();
    const groups = this.#pool.process(usable);
    for (const group of groups) for (const t of group) this.#unindex(t);
    return groups;
  }

  /** Puts back the tickets of a group that could not be claimed, unless removed meanwhile. */
  restore(tickets: readonly Ticket[]): void {
    for (const t of tickets) if (!this.#tombstones.has(t.id) && !this.#pool.get(t.id)) this.#insert(t);
  }

  /** Remembers matched tickets so that late copies are not pooled again. */
  matched(ids: Iterable<string>): void {
    for (const id of ids) this.#tombstone(id);
  }

  local(): Snapshot {
    return [...(this.#byNode.get(this.#node) ?? [])].flatMap((id) => {
      const t = this.#pool.get(id);
      return t ? [toWire(t)] : [];
    });
  }

  apply(node: string, delta: Delta): void {
    if (node === this.#node) return;
    for (const w of delta.set ?? []) {
      if (this.#tombstones.has(w.id) || this.#pool.get(w.id)) continue;
      const ticket = fromWire(node, w);
      if (ticket) this.#insert(ticket);
    }
    for (const id of delta.del ?? []) {
      if (this.#pool.get(id)?.node === node) this.#remove(id);
      else this.#tombstone(id);
    }
  }

  load(node: string, snapshot: Snapshot): void {
    if (node === this.#node) return;
    const keep = new Set(snapshot.map((w) => w.id));
    for (const id of [...(this.#byNode.get(node) ?? [])]) if (!keep.has(id)) this.#remove(id);
    this.apply(node, { set: snapshot });
  }

  drop(node: string): void {
    if (node === this.#node) return;
    for (const id of [...(this.#byNode.get(node) ?? [])]) this.#remove(id);
  }

  #insert(ticket: Ticket): void {
    this.#pool.add(ticket);
    let ids = this.#byNode.get(ticket.node);
    if (!ids) {
      ids = new Set();
      this.#byNode.set(ticket.node, ids);
    }
    ids.add(ticket.id);
  }

  #remove(id: string): void {
    const ticket = this.#pool.remove(id);
    this.#tombstone(id);
    if (ticket) this.#unindex(ticket);
  }

  #unindex(ticket: Ticket): void {
    this.#unindexId(ticket.node, ticket.id);
  }

  #unindexId(node: string, id: string): void {
    const ids = this.#byNode.get(node);
    ids?.delete(id);
    if (ids?.size === 0) this.#byNode.delete(node);
  }

  #tombstone(id: string): void {
    this.#tombstones.delete(id);
    this.#tombstones.set(id, this.#clock.now() + TOMBSTONE_MS);
    if (this.#tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.#tombstones.keys().next().value;
      if (oldest !== undefined) this.#tombstones.delete(oldest);
    }
  }

  #prune(): void {
    const now = this.#clock.now();
    for (const [id, until] of this.#tombstones) {
      if (until > now) break; // insertion order is expiry order
      this.#tombstones.delete(id);
    }
  }
}
