/**
 * The game-facing side of the realtime socket's events: the bounded queue polled once per frame (the
 * same `EventQueue` and overflow policy as the GameMaker-style sockets) and optional callbacks.
 *
 * @packageDocumentation
 */

import { EventQueue } from '../events.ts';
import {
  type RealtimeEvent,
  type RealtimeEventOf,
  type RealtimeEventType,
  realtimeEventSize,
} from './events.ts';

/** Queue settings of the realtime socket. */
export interface RealtimeQueueOptions {
  /**
   * Queue events for `poll()` (default true). Set false when you only use callbacks: an undrained
   * queue fills up and, by the overflow policy, closes the socket.
   */
  queueEvents?: boolean;
  /** Most queued events (default 10 000). */
  maxQueuedEvents?: number;
  /** Most queued payload bytes (match/party/stream data, chat content; default 64 MiB). */
  maxQueuedBytes?: number;
}

/** A callback for one event type, or for every event (`'*'`). */
export type RealtimeListener<T extends RealtimeEventType | '*'> = (
  event: T extends RealtimeEventType ? RealtimeEventOf<T> : RealtimeEvent,
) => void;

/** Queue + callbacks. The socket emits; the game polls or listens. */
export class EventHub {
  /** The bounded queue behind `poll()`. */
  readonly queue: EventQueue<RealtimeEvent>;
  readonly #queueEvents: boolean;
  readonly #listeners = new Map<string, Set<(event: RealtimeEvent) => void>>();

  /** @param options - queue settings */
  constructor(options: RealtimeQueueOptions) {
    this.#queueEvents = options.queueEvents ?? true;
    this.queue = new EventQueue<RealtimeEvent>(
      { maxEvents: options.maxQueuedEvents, maxBytes: options.maxQueuedBytes },
      realtimeEventSize,
    );
  }

  /** Removes and returns every queued event, oldest first. Call once per frame. */
  poll(): RealtimeEvent[] {
    return this.queue.drain();
  }

  /** Removes and returns the oldest queued event, if any. */
  pollOne(): RealtimeEvent | undefined {
    return this.queue.take();
  }

  /** True while an event is queued. */
  hasEvent(): boolean {
    return this.queue.length > 0;
  }

  /** The oldest queued event, left in the queue until {@link EventHub.markProcessed}. */
  currentEvent(): RealtimeEvent | undefined {
    return this.queue.peek();
  }

  /** Drops the current event. */
  markProcessed(): void {
    this.queue.take();
  }

  /** Resolves when an event is queued; for bots and tests without a frame loop. */
  waitForEvent(): Promise<void> {
    return this.queue.whenNonEmpty();
  }

  /**
   * Calls `listener` for every event of `type` (or every event, `'*'`) as it happens, in addition to
   * queueing it. Returns a function that removes the listener. A listener that throws does not
   * disturb the socket; its error is rethrown on a microtask so it still shows up.
   */
  on<T extends RealtimeEventType | '*'>(type: T, listener: RealtimeListener<T>): () => void {
    let set = this.#listeners.get(type);
    if (!set) {
      set = new Set();
      this.#listeners.set(type, set);
    }
    const fn = listener as (event: RealtimeEvent) => void;
    set.add(fn);
    return () => {
      set.delete(fn);
    };
  }

  /**
   * Queues `event` and calls its listeners. `force` ignores the queue bound (lifecycle events, which
   * are few and must never be lost). Returns false when the queue was full: the caller must apply the
   * overflow policy.
   */
  protected emit(event: RealtimeEvent, force = false): boolean {
    if (this.#queueEvents) {
      if (force) this.queue.force(event);
      else if (!this.queue.offer(event)) return false;
    }
    this.#call(this.#listeners.get(event.type), event);
    this.#call(this.#listeners.get('*'), event);
    return true;
  }

  #call(listeners: Set<(event: RealtimeEvent) => void> | undefined, event: RealtimeEvent): void {
    if (!listeners) return;
    for (const listener of [...listeners]) {
      try {
        listener(event);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
