/**
 * Per-turn write coalescing. A connection that sends several times in one event-loop turn (the
 * `network_*` layer writes once per packet, so ~50 echoes of one read became ~50 syscalls) keeps
 * its socket corked from the first write of the turn until `process.nextTick`, so the whole turn
 * leaves in one `writev`. Bytes written while corked still count in `writableLength`, so the
 * buffered-byte figures stay truthful; the slow-consumer check runs after each flush.
 *
 * @packageDocumentation
 */
import type { Writable } from 'node:stream';

/**
 * Corked bytes after which a turn is flushed at once instead of at its end, so one turn cannot pile
 * up unbounded memory in front of a peer that stopped reading, and the backpressure check (run after
 * every flush) sees the kernel's verdict in time.
 */
export const TURN_FLUSH_BYTES = 64 * 1024;

/**
 * The end-of-turn flush of many sockets with one `process.nextTick`: a server writing to 800
 * sockets in a turn queues one tick, not 800 (each tick is a queue entry and a trip through the
 * tick loop), and no socket needs a callback of its own. Holds taken while a batch is flushing go
 * into the next batch (its own tick), as with a tick per socket. One instance per listener.
 */
export class TurnCorks {
  #held: TurnCork[] = [];
  #scheduled = false;

  /** Queues `cork` for this turn's flush. */
  add(cork: TurnCork): void {
    this.#held.push(cork);
    if (!this.#scheduled) {
      this.#scheduled = true;
      process.nextTick(flushBatch, this);
    }
  }

  /** Flushes every cork held so far (each one that is still held). */
  run(): void {
    this.#scheduled = false;
    const batch = this.#held;
    this.#held = [];
    let failure: unknown;
    for (const cork of batch) {
      // One failing flush must not leave the other sockets corked for good.
      try {
        cork.flush();
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure !== undefined) throw failure;
  }
}

function flushBatch(batch: TurnCorks): void {
  batch.run();
}

function flushOne(cork: TurnCork): void {
  cork.flush();
}

/** Holds one socket corked until the end of the current turn. */
export class TurnCork {
  readonly #socket: Writable;
  readonly #afterFlush: () => void;
  readonly #batch: TurnCorks | undefined;
  #held = false;
  #bytes = 0;

  /**
   * @param afterFlush - called after every flush (end of turn or early), e.g. the backpressure check
   * @param batch - flushes this cork with the others of its listener (else it has a tick of its own)
   */
  constructor(socket: Writable, afterFlush: () => void, batch?: TurnCorks) {
    this.#socket = socket;
    this.#afterFlush = afterFlush;
    this.#batch = batch;
  }

  /** True while writes of this turn are being held back. */
  get held(): boolean {
    return this.#held;
  }

  /** Corks the socket until the end of this turn (once per turn). Call before writing. */
  hold(): void {
    if (this.#held) return;
    this.#held = true;
    this.#socket.cork();
    if (this.#batch) this.#batch.add(this);
    else process.nextTick(flushOne, this);
  }

  /** Records bytes written while held; past {@link TURN_FLUSH_BYTES} the turn is flushed now. */
  wrote(bytes: number): void {
    this.#bytes += bytes;
    if (this.#held && this.#bytes >= TURN_FLUSH_BYTES) this.flush();
  }

  /** Hands what this turn wrote to the kernel (one writev), then runs `afterFlush`. No-op when not held. */
  flush(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#bytes = 0;
    if (this.#socket.destroyed) return;
    this.#socket.uncork();
    this.#afterFlush();
  }

  /** Forgets the hold without flushing: the socket is about to be destroyed and its data dropped. */
  drop(): void {
    this.#held = false;
    this.#bytes = 0;
  }
}
