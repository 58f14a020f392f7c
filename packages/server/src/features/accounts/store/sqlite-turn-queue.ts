/**
 * What the SQLite group commit and group read share: work queued for the next turn of the event loop
 * and run there in slices, each slice's results settling its items in order.
 */
import { DbBusyError } from '../../../db/errors.ts';

/** The result of one item that failed on its own (the others of its slice still settle). */
export class Failed {
  constructor(readonly error: unknown) {}
}

/** One queued item: its promise's settlers, plus what the slice runner needs of it. */
export interface Waiter {
  readonly resolve: (row: never) => void;
  readonly reject: (err: unknown) => void;
}

/** How a {@link TurnQueue} runs. */
export interface TurnQueueOptions<T extends Waiter> {
  /** Most items handed to `run` at once; a longer queue runs in several slices, in order. */
  readonly maxBatch: number;
  /** Most items waiting; {@link TurnQueue.push} refuses more with {@link DbBusyError}. */
  readonly maxPending: number;
  /**
   * Runs one slice and resolves with one result per item: a {@link Failed} rejects that item, any
   * other value resolves it; a rejection of the whole slice rejects every item of it.
   */
  readonly run: (items: T[]) => Promise<readonly unknown[]>;
}

/**
 * A queue flushed once per event-loop turn (`setImmediate`): items pushed during a turn are run
 * together at the start of the next one. Bounded by `maxPending` items.
 */
export class TurnQueue<T extends Waiter> {
  readonly #o: TurnQueueOptions<T>;
  #pending: T[] = [];
  #scheduled = false;

  constructor(options: TurnQueueOptions<T>) {
    this.#o = options;
  }

  /** Queues `item` for the next turn; throws {@link DbBusyError} when `maxPending` items wait. */
  push(item: T): void {
    if (this.#pending.length >= this.#o.maxPending) throw new DbBusyError(this.#pending.length);
    this.#pending.push(item);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const queued = this.#pending;
    this.#pending = [];
    const max = this.#o.maxBatch;
    for (let i = 0; i < queued.length; i += max) {
      const items = i === 0 && queued.length <= max ? queued : queued.slice(i, i + max);
      this.#o.run(items).then(
        (results) => {
          for (let k = 0; k < items.length; k++) {
            const r = results[k];
            if (r instanceof Failed) items[k]!.reject(r.error);
            else (items[k]!.resolve as (row: unknown) => void)(r);
          }
        },
        (err: unknown) => {
          for (const item of items) item.reject(err);
        },
      );
    }
  }
}
