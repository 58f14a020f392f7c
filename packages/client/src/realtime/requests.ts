/**
 * Request bookkeeping: in-flight requests keyed by cid, and the bounded queue of requests issued while
 * the socket is (re)connecting.
 *
 * Invariant: every request owns exactly one timer, started when the request is issued and cleared on
 * every way out (reply, error reply, timeout, close, queue rejection). nakama-js left its send timers
 * running after the reply (issue #190) and let calls made while offline hang forever (#117); here a
 * request always settles, and never later than its timeout.
 *
 * @packageDocumentation
 */

import { RealtimeFailure, RealtimeSocketError } from './errors.ts';

/** One request waiting for its reply or for a connection. */
export interface PendingRequest {
  /** Correlation id, assigned when the request is issued (queued requests keep theirs). */
  readonly cid: string;
  /** Envelope key, e.g. `channel_join`. */
  readonly type: string;
  /** The body sent (kept for the resume tracker, which learns from successful requests). */
  readonly body: unknown;
  /** The encoded envelope (text, or bytes on a binary carrier); set when queued, so it is encoded (and size-checked) once. */
  readonly text: string | Uint8Array;
  /** Internal requests (heartbeat, resume) bypass the queue and are never resent. */
  readonly internal: boolean;
  /** Settles the caller's promise with the reply envelope's body. */
  readonly resolve: (body: unknown) => void;
  /** Settles the caller's promise with an error. */
  readonly reject: (error: Error) => void;
  /** The request's single timer. */
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** In-flight requests by cid. */
export class PendingTable {
  readonly #byCid = new Map<string, PendingRequest>();

  /** Number of requests waiting for a reply. */
  get size(): number {
    return this.#byCid.size;
  }

  /** Registers a sent request. */
  add(request: PendingRequest): void {
    this.#byCid.set(request.cid, request);
  }

  /** Removes and returns the request for `cid` (its timer cleared), if it is still waiting. */
  take(cid: string): PendingRequest | undefined {
    const request = this.#byCid.get(cid);
    if (request === undefined) return undefined;
    this.#byCid.delete(cid);
    settleTimer(request);
    return request;
  }

  /** True when a request issued before `cid` (cids are increasing integers) is still waiting. */
  hasOlderThan(cid: number): boolean {
    for (const request of this.#byCid.values()) if (Number(request.cid) < cid) return true;
    return false;
  }

  /** Rejects every waiting request with `error`; the table is empty afterwards. */
  rejectAll(error: () => Error): void {
    const all = [...this.#byCid.values()];
    this.#byCid.clear();
    for (const request of all) {
      settleTimer(request);
      request.reject(error());
    }
  }
}

/** Clears a request's timer; safe to call more than once. */
export function settleTimer(request: PendingRequest): void {
  if (request.timer !== undefined) clearTimeout(request.timer);
  request.timer = undefined;
}

/**
 * FIFO of requests issued while the socket was not connected, bounded by `limit`. Policy when full:
 * the new request is rejected at once with QUEUE_FULL (the older ones keep their place, since they
 * were asked first and their timers are already running).
 */
export class RequestQueue {
  readonly #limit: number;
  #items: PendingRequest[] = [];

  /** @param limit - most queued requests (0 disables queueing) */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Number of queued requests. */
  get size(): number {
    return this.#items.length;
  }

  /** Queues a request; false (nothing queued) when full. */
  push(request: PendingRequest): boolean {
    if (this.#items.length >= this.#limit) return false;
    this.#items.push(request);
    return true;
  }

  /** Drops a request whose timer fired while it waited. */
  remove(request: PendingRequest): void {
    const i = this.#items.indexOf(request);
    if (i !== -1) this.#items.splice(i, 1);
  }

  /** Removes and returns every queued request, oldest first. */
  drain(): PendingRequest[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  /** Rejects every queued request. */
  rejectAll(error: () => Error): void {
    for (const request of this.drain()) {
      settleTimer(request);
      request.reject(error());
    }
  }
}

/** The TIMEOUT error for a request. */
export function timeoutError(type: string, ms: number, queued: boolean): RealtimeSocketError {
  const where = queued ? ' (it was still waiting for the connection)' : '';
  return new RealtimeSocketError(RealtimeFailure.TIMEOUT, `${type}: no reply within ${ms} ms${where}`);
}
