/**
 * Small integer ids for servers and sockets, like GameMaker's.
 *
 * @packageDocumentation
 */

/**
 * Hands out 0, 1, 2, ... and reuses released ids, oldest-released first. GameMaker reuses socket
 * ids too; reusing the one released longest ago (rather than the lowest) makes it less likely that
 * a stale id kept by game code already points at a new client. Ids stay below the peak number of
 * servers plus sockets open at once.
 */
export class IdPool {
  #next = 0;
  readonly #free: number[] = [];
  #freeHead = 0;

  /** A free id. */
  take(): number {
    if (this.#freeHead < this.#free.length) {
      const id = this.#free[this.#freeHead++]!;
      if (this.#freeHead === this.#free.length) {
        this.#free.length = 0;
        this.#freeHead = 0;
      }
      return id;
    }
    return this.#next++;
  }

  /** Returns an id for reuse. */
  release(id: number): void {
    this.#free.push(id);
  }
}
