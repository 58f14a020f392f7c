/**
 * The authoritative matches of every node, as listings: what `GET /v2/match`, `nk.matchList` and
 * `nk.matchGet` read for matches running on other nodes of a cluster.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import type { ReplicaTable } from '../../cluster/peers.ts';
import type { AuthoritativeMatch } from './authoritative-match.ts';
import type { MatchRegistry } from './match-registry.ts';

/** What other nodes know of a match: its label, tick rate and handler (its size is in the tracker). */
export interface RemoteMatch {
  readonly uuid: string;
  readonly node: string;
  readonly label: string;
  readonly tickRate: number;
  readonly handlerName: string;
}

const Entry = z.tuple([z.uuid(), z.string().max(4096), z.number().int().min(1).max(60), z.string().max(128)]);
type Entry = z.infer<typeof Entry>;
const Delta = z.object({
  set: z.array(Entry).max(10_000).optional(),
  del: z.array(z.uuid()).max(10_000).optional(),
});
type Delta = z.infer<typeof Delta>;
const Snapshot = z.array(Entry).max(1_000_000);

function entryOf(m: AuthoritativeMatch): Entry {
  return [m.uuid, m.label, m.tickRate, m.handlerName];
}

/**
 * A replicated table (see `Peers.replicate`): this node publishes its matches as they start, change
 * label and end; it holds the other nodes' in memory, so listing every node's matches at once never
 * waits on another node or on Redis. A node's listings go when it leaves the cluster.
 */
export class MatchListings implements ReplicaTable<Delta, Entry[]> {
  readonly name = 'matches';
  readonly delta = Delta;
  readonly snapshot = Snapshot;
  readonly #registry: MatchRegistry;
  readonly #remote = new Map<string, Map<string, RemoteMatch>>();

  constructor(registry: MatchRegistry, replicate: (table: MatchListings) => (delta: Delta) => void) {
    this.#registry = registry;
    const publish = replicate(this);
    registry.onChanged((match, change) => {
      publish(change === 'ended' ? { del: [match.uuid] } : { set: [entryOf(match)] });
    });
  }

  /** A match of another node, if it is running. */
  get(node: string, uuid: string): RemoteMatch | undefined {
    return this.#remote.get(node)?.get(uuid);
  }

  /** Every match of the other nodes, node by node in name order, oldest first within a node. */
  *all(): IterableIterator<RemoteMatch> {
    for (const node of [...this.#remote.keys()].sort()) yield* this.#remote.get(node)!.values();
  }

  local(): Entry[] {
    return [...this.#registry.all()].map(entryOf);
  }

  apply(node: string, delta: Delta): void {
    const matches = this.#matchesOf(node);
    for (const [uuid, label, tickRate, handlerName] of delta.set ?? []) {
      matches.set(uuid, { uuid, node, label, tickRate, handlerName });
    }
    for (const uuid of delta.del ?? []) matches.delete(uuid);
    if (matches.size === 0) this.#remote.delete(node);
  }

  load(node: string, snapshot: Entry[]): void {
    this.#remote.delete(node);
    this.apply(node, { set: snapshot });
  }

  drop(node: string): void {
    this.#remote.delete(node);
  }

  #matchesOf(node: string): Map<string, RemoteMatch> {
    let matches = this.#remote.get(node);
    if (!matches) {
      matches = new Map();
      this.#remote.set(node, matches);
    }
    return matches;
  }
}
