/**
 * An in-process node directory for tests of the cluster's logic without Redis: entries expire like
 * Redis keys, and a test can kill a node by letting its entry lapse.
 *
 * @packageDocumentation
 */
import { type Directory, NodeNameTakenError } from '../directory.ts';

/** The shared table of {@link MemoryDirectory} entries. */
export class MemoryDirectoryStore {
  readonly entries = new Map<string, { incarnation: string; expiresAt: number }>();

  /** Entries still valid now. */
  live(now = Date.now()): Map<string, string> {
    const out = new Map<string, string>();
    for (const [node, e] of this.entries) {
      if (e.expiresAt > now) out.set(node, e.incarnation);
      else this.entries.delete(node);
    }
    return out;
  }
}

/** One node's view of a {@link MemoryDirectoryStore}. */
export class MemoryDirectory implements Directory {
  readonly #store: MemoryDirectoryStore;
  readonly #node: string;
  readonly #incarnation: string;
  readonly #ttlMs: number;
  /** When false, every call rejects as an unreachable Redis would. */
  reachable = true;

  constructor(store: MemoryDirectoryStore, node: string, incarnation: string, ttlMs: number) {
    this.#store = store;
    this.#node = node;
    this.#incarnation = incarnation;
    this.#ttlMs = ttlMs;
  }

  async register(): Promise<void> {
    this.#check();
    const held = this.#store.live().get(this.#node);
    if (held !== undefined && held !== this.#incarnation) throw new NodeNameTakenError(this.#node);
    this.#store.entries.set(this.#node, {
      incarnation: this.#incarnation,
      expiresAt: Date.now() + this.#ttlMs,
    });
  }

  async heartbeat(): Promise<boolean> {
    this.#check();
    const held = this.#store.live().get(this.#node);
    if (held !== undefined && held !== this.#incarnation) return false;
    this.#store.entries.set(this.#node, {
      incarnation: this.#incarnation,
      expiresAt: Date.now() + this.#ttlMs,
    });
    return true;
  }

  async live(): Promise<Map<string, string>> {
    this.#check();
    return this.#store.live();
  }

  async incarnationOf(node: string): Promise<string | undefined> {
    this.#check();
    return this.#store.live().get(node);
  }

  async unregister(): Promise<void> {
    this.#check();
    if (this.#store.entries.get(this.#node)?.incarnation === this.#incarnation)
      this.#store.entries.delete(this.#node);
  }

  #check(): void {
    if (!this.reachable) throw new Error('directory unreachable');
  }
}
