/**
 * Network events and the bounded queue a game loop polls.
 *
 * The shapes follow GameMaker's Networking async event (`async_load`): every event has `type`, `id`,
 * `ip` and `port`, and data events carry a grow buffer with alignment 1 plus its `size`. Unlike
 * GameMaker, clients also get `disconnect` events with a close code and reason.
 *
 * @packageDocumentation
 */

import type { ErrorCode, GmBuffer } from '@tether/protocol';
import { ClientError, ClientErrorCode } from './errors.ts';

/**
 * Event type names. The numbers GameMaker uses for `async_load[? "type"]` are in
 * {@link GmNetworkType}, for code ported from GML.
 */
export const NetworkEventType = {
  /** A peer connected (server-side queues only; a client reports its own connect as `non_blocking_connect`). */
  connect: 'connect',
  /** The connection ended: the peer closed, a heartbeat timed out, an error occurred, or `close()` was called. */
  disconnect: 'disconnect',
  /** One message arrived: one GameMaker packet, one WebSocket message, one TCP chunk or one datagram. */
  data: 'data',
  /** The result of `connect()`: `succeeded` is 1 when the socket is ready, 0 when it failed. */
  non_blocking_connect: 'non_blocking_connect',
  /** A failure; when it ends the connection a `disconnect` event follows immediately. */
  error: 'error',
} as const;

/** Union of every value in {@link NetworkEventType}. */
export type NetworkEventType = (typeof NetworkEventType)[keyof typeof NetworkEventType];

/** GameMaker's `network_type_*` constant values, for GML-style `switch` statements. */
export const GmNetworkType = { connect: 1, disconnect: 2, data: 3, non_blocking_connect: 4 } as const;

/** Fields every event has, as in GameMaker's `async_load`. */
export interface NetworkEventBase {
  /** Id of the socket that raised the event (unique within one {@link EventQueue}). */
  readonly id: number;
  /** Same as `id` for client sockets (GameMaker's `socket` key). */
  readonly socket: number;
  /** Remote address: the IP for TCP/UDP, the URL host for WebSockets (browsers do not expose the IP). */
  readonly ip: string;
  /** Remote port; for UDP the port of the datagram's sender. */
  readonly port: number;
}

/** Code of the error described by an event: the client's own, or a GameMaker framing error. */
export type EventErrorCode = ClientErrorCode | ErrorCode;

/** A peer connected. Emitted only by server-side queues; listed so both sides share one event type. */
export interface ConnectEvent extends NetworkEventBase {
  readonly type: 'connect';
}

/** Result of `connect()`. */
export interface NonBlockingConnectEvent extends NetworkEventBase {
  readonly type: 'non_blocking_connect';
  /** 1: connected (and, for framed sockets, the GameMaker handshake completed). 0: failed. */
  readonly succeeded: 0 | 1;
  /** Why the connect failed (never empty, never "undefined"). Absent on success. */
  readonly error?: string;
  /** Stable code for `error`. */
  readonly errorCode?: EventErrorCode;
}

/** One received message. */
export interface DataEvent extends NetworkEventBase {
  readonly type: 'data';
  /** The payload as a grow buffer with alignment 1, positioned at 0. It belongs to the game: keep it if you like. */
  readonly buffer: GmBuffer;
  /** Payload length in bytes (framing headers excluded). */
  readonly size: number;
  /** `text` for WebSocket text frames, `binary` for everything else. */
  readonly messageType: 'binary' | 'text';
  /** The decoded string, for text frames only (GDevelop-style clients read this). */
  readonly data?: string;
}

/** The connection ended. Every successful connect is followed by exactly one of these. */
export interface DisconnectEvent extends NetworkEventBase {
  readonly type: 'disconnect';
  /** WebSocket close code, or the code the client reports locally (see docs/client.md). */
  readonly code: number;
  /** Close reason; for failures the error message (e.g. "heartbeat timeout: ..."). */
  readonly reason: string;
  /** True when the connection closed in an orderly way (close handshake, TCP FIN, or our own `close()`). */
  readonly wasClean: boolean;
}

/** Something went wrong. If it ended the connection, a {@link DisconnectEvent} follows. */
export interface ErrorEvent extends NetworkEventBase {
  readonly type: 'error';
  /** A real message (never empty, never "undefined"). */
  readonly error: string;
  /** Stable code for `error`. */
  readonly errorCode: EventErrorCode;
}

/** Any event a socket can queue; switch on `type` to narrow it. */
export type NetworkEvent = ConnectEvent | NonBlockingConnectEvent | DataEvent | DisconnectEvent | ErrorEvent;

/** Limits of an {@link EventQueue}. */
export interface EventQueueOptions {
  /** Most events held at once (default 10 000). */
  maxEvents?: number;
  /** Most payload bytes held at once, summed over data events (default 64 MiB). */
  maxBytes?: number;
}

/** Default {@link EventQueueOptions.maxEvents}. */
export const DEFAULT_MAX_QUEUED_EVENTS = 10_000;
/** Default {@link EventQueueOptions.maxBytes}. */
export const DEFAULT_MAX_QUEUED_BYTES = 64 * 1024 * 1024;

/** Compact the backing array once this many consumed slots sit in front of the live events. */
const COMPACT_AFTER = 1024;

/** Payload bytes of a network event: the size of a data event, 0 for the others. */
function networkEventSize(event: { readonly type: string }): number {
  return event.type === 'data' ? (event as DataEvent).size : 0;
}

/**
 * FIFO of network events, bounded in count and bytes.
 *
 * {@link EventQueue.offer} refuses an event that does not fit; the socket that offered it then closes
 * itself and adds its final `error` and `disconnect` events with {@link EventQueue.force}, which ignores
 * the bound. That can exceed the bound by at most two events per socket, once, so the queue stays
 * bounded while the game still learns exactly why the connection ended. Several sockets may share one
 * queue, like GameMaker's single Networking event; ids are unique within a queue.
 *
 * The event type is a parameter so the realtime socket queues its own events under the same bounds and
 * policy; `sizeOf` says how many payload bytes an event holds (for network events: `size` of `data`).
 */
export class EventQueue<E extends { readonly type: string } = NetworkEvent> {
  /** Most events accepted by {@link EventQueue.offer}. */
  readonly maxEvents: number;
  /** Most data bytes accepted by {@link EventQueue.offer}. */
  readonly maxBytes: number;
  readonly #sizeOf: (event: E) => number;
  #items: E[] = [];
  #head = 0;
  #bytes = 0;
  #nextId = 0;
  #waiter: { promise: Promise<void>; resolve: () => void } | undefined;

  /**
   * @param options - limits; both must be positive integers (else ClientError INVALID_ARGUMENT)
   * @param sizeOf - payload bytes of one event, counted against `maxBytes` (default: `size` of `data` events)
   */
  constructor(options: EventQueueOptions = {}, sizeOf: (event: E) => number = networkEventSize) {
    this.#sizeOf = sizeOf;
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_QUEUED_EVENTS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    if (!Number.isInteger(this.maxEvents) || this.maxEvents < 1) {
      throw new ClientError(
        ClientErrorCode.INVALID_ARGUMENT,
        `maxQueuedEvents must be a positive integer, got ${this.maxEvents}`,
      );
    }
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1) {
      throw new ClientError(
        ClientErrorCode.INVALID_ARGUMENT,
        `maxQueuedBytes must be a positive integer, got ${this.maxBytes}`,
      );
    }
  }

  /** Hands out the next socket id, so sockets sharing this queue can be told apart. */
  allocateId(): number {
    return this.#nextId++;
  }

  /** Number of queued events. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Payload bytes held by queued data events. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds `event` if it fits within both limits; returns false (and adds nothing) otherwise. */
  offer(event: E): boolean {
    const size = this.#sizeOf(event);
    if (this.length >= this.maxEvents || this.#bytes + size > this.maxBytes) return false;
    this.force(event);
    return true;
  }

  /**
   * Adds `event` regardless of the limits. Only for events that must never be lost and are few: a
   * socket's final events, the realtime socket's lifecycle events; see the class comment.
   */
  force(event: E): void {
    this.#items.push(event);
    this.#bytes += this.#sizeOf(event);
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve();
    }
  }

  /** The oldest event, without removing it. */
  peek(): E | undefined {
    return this.#items[this.#head];
  }

  /** Removes and returns the oldest event. */
  take(): E | undefined {
    const event = this.#items[this.#head];
    if (event === undefined) return undefined;
    this.#items[this.#head] = undefined as unknown as E;
    this.#head++;
    this.#bytes -= this.#sizeOf(event);
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      // Shifting one by one would be O(n) per take; dropping the consumed prefix in bulk keeps it amortised O(1).
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }

  /** Removes and returns every queued event, oldest first. */
  drain(): E[] {
    const events = this.#items.slice(this.#head);
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    return events;
  }

  /**
   * Resolves once the queue is non-empty (at once if it already is). For tools and tests that are not
   * driven by a frame loop; games should simply poll each frame.
   */
  whenNonEmpty(): Promise<void> {
    if (this.length > 0) return Promise.resolve();
    if (!this.#waiter) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      this.#waiter = { promise, resolve };
    }
    return this.#waiter.promise;
  }
}
