/**
 * Requests and replies: encoding with a size check, cid correlation, per-request timeouts, the queue
 * of requests issued while (re)connecting, and decoding what the server sends into replies, pushes and
 * errors. The connection's state machine owns the dispatcher and tells it what it may do.
 *
 * @packageDocumentation
 */

import { type DecodedServerEnvelope, type RealtimeError, utf8ByteLength } from '@tether/protocol';
import { type EnvelopeCodec, JSON_CODEC } from './codec.ts';
import { RealtimeFailure, RealtimeRequestError, RealtimeSocketError } from './errors.ts';
import type { PushEvent, RealtimeErrorEventCode, UnknownPushEvent } from './events.ts';
import type { RealtimeState } from './options.ts';
import { type PendingRequest, PendingTable, RequestQueue, timeoutError } from './requests.ts';

/** What a request may do right now, decided by the connection's state. */
export type SendMode = 'send' | 'queue' | 'refuse';

/**
 * Whether a request goes out now, waits for the connection, or is refused, in a connection state.
 * Internal requests (heartbeat, resume) belong to one connection: never queued.
 */
export function sendModeFor(
  state: RealtimeState,
  internal: boolean,
  whileDisconnected: 'queue' | 'fail',
): { mode: SendMode; why: string } {
  if (state === 'open' || (internal && state === 'resuming')) return { mode: 'send', why: '' };
  if (state === 'idle' || state === 'closed') return { mode: 'refuse', why: `the socket is ${state}` };
  if (internal || whileDisconnected === 'fail') {
    return { mode: 'refuse', why: `the socket is ${state} (whileDisconnected: 'fail')` };
  }
  return { mode: 'queue', why: '' };
}

/** The connection, as the dispatcher sees it. */
export interface DispatcherHost {
  /** Whether a request (internal: heartbeat, resume) goes out now, waits, or is refused; and why. */
  sendMode(internal: boolean): { mode: SendMode; why: string };
  /** Writes one envelope on the current connection; throws if there is none. */
  write(frame: string | Uint8Array): void;
  /** A successful reply to a request, before the caller's promise settles. */
  replied(type: string, body: unknown, reply: unknown): void;
  /** A push from the server. */
  pushed(event: PushEvent | UnknownPushEvent): void;
  /** A problem worth an `error` event (non-fatal). */
  problem(
    code: RealtimeErrorEventCode,
    message: string,
    serverCode?: number,
    context?: Readonly<Record<string, string>>,
  ): void;
}

/** Limits of the dispatcher. */
export interface DispatcherOptions {
  /** Largest outgoing envelope in bytes (UTF-8 bytes of JSON text). */
  readonly maxMessageBytes: number;
  /** Bound of the queue of requests waiting for the connection. */
  readonly maxQueuedRequests: number;
  /** The carrier's wire format (JSON text when absent). */
  readonly codec?: EnvelopeCodec;
}

/** Correlates requests with replies and turns frames into events. */
export class Dispatcher {
  readonly #host: DispatcherHost;
  readonly #options: DispatcherOptions;
  readonly #codec: EnvelopeCodec;
  readonly #pending = new PendingTable();
  readonly #queued: RequestQueue;
  #nextCid = 1;
  #lastReceivedAt = 0;

  /**
   * @param host - the connection
   * @param options - size and queue limits
   */
  constructor(host: DispatcherHost, options: DispatcherOptions) {
    this.#host = host;
    this.#options = options;
    this.#codec = options.codec ?? JSON_CODEC;
    this.#queued = new RequestQueue(options.maxQueuedRequests);
  }

  /** When the last frame arrived (`performance.now()`), whatever it was: proof the peer is alive. */
  get lastReceivedAt(): number {
    return this.#lastReceivedAt;
  }

  /** The cid the next request will get. */
  get nextCid(): number {
    return this.#nextCid;
  }

  /** True while a request issued before cid `cid` waits for its reply. */
  inFlightBefore(cid: number): boolean {
    return this.#pending.hasOlderThan(cid);
  }

  /** Requests in flight plus requests waiting for the connection. */
  get size(): number {
    return this.#pending.size + this.#queued.size;
  }

  /** Encodes an envelope, refusing one the server would close the socket for (1009). */
  encode(cid: string | undefined, type: string, body: object): string | Uint8Array {
    const text = this.#codec.encode(cid === undefined ? { [type]: body } : { cid, [type]: body });
    const size = typeof text === 'string' ? utf8ByteLength(text) : text.byteLength;
    if (size > this.#options.maxMessageBytes) {
      throw new RealtimeSocketError(
        RealtimeFailure.MESSAGE_TOO_LARGE,
        `${type}: the envelope is ${size} bytes, over maxMessageBytes (${this.#options.maxMessageBytes}); ` +
          'the server would close the socket with 1009',
      );
    }
    return text;
  }

  /** Issues a request; see `RealtimeConnection.request` for the outcomes. */
  request(type: string, body: object, timeoutMs: number, internal: boolean): Promise<unknown> {
    const { mode, why } = this.#host.sendMode(internal);
    if (mode === 'refuse') {
      return Promise.reject(new RealtimeSocketError(RealtimeFailure.NOT_CONNECTED, `${type}: ${why}`));
    }
    const cid = String(this.#nextCid++);
    let text: string | Uint8Array;
    try {
      text = this.encode(cid, type, body);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const request: PendingRequest = { cid, type, body, text, internal, resolve, reject, timer: undefined };
      if (mode === 'queue' && !this.#queued.push(request)) {
        const max = this.#options.maxQueuedRequests;
        const message = `${type}: ${max} requests already wait for the connection`;
        reject(new RealtimeSocketError(RealtimeFailure.QUEUE_FULL, message));
        return;
      }
      request.timer = setTimeout(() => {
        request.timer = undefined;
        const inFlight = this.#pending.take(cid) !== undefined;
        if (!inFlight) this.#queued.remove(request);
        reject(timeoutError(type, timeoutMs, !inFlight));
      }, timeoutMs);
      if (mode === 'send') this.#transmit(request);
    });
  }

  /** Sends the requests that waited for the connection, oldest first. */
  flush(): void {
    for (const request of this.#queued.drain()) this.#transmit(request);
  }

  /** Rejects the requests in flight (their connection is gone); queued ones keep waiting. */
  rejectInFlight(error: () => Error): void {
    this.#pending.rejectAll(error);
  }

  /** Rejects every request, in flight or queued. */
  rejectAll(error: () => Error): void {
    this.#pending.rejectAll(error);
    this.#queued.rejectAll(error);
  }

  /** Handles one frame from the server. */
  receive(frame: string | Uint8Array): void {
    this.#lastReceivedAt = performance.now();
    let env: DecodedServerEnvelope;
    try {
      env = this.#codec.decode(frame);
    } catch (err) {
      const error = err as RealtimeError;
      const request = error.cid === undefined ? undefined : this.#pending.take(error.cid);
      if (request) request.reject(new RealtimeRequestError(request.type, error.toWire()));
      else this.#host.problem('MALFORMED_MESSAGE', error.message);
      return;
    }
    if (env.cid !== undefined) {
      if (env.type === 'ping') {
        this.#tryWrite(this.#codec.encode({ cid: env.cid, pong: {} }));
        return;
      }
      // A reply after its timeout has nobody waiting; dropping it is correct.
      const request = this.#pending.take(env.cid);
      if (!request) return;
      if (env.type === 'error') {
        request.reject(new RealtimeRequestError(request.type, env.body));
        return;
      }
      const body = env.type === 'empty' ? undefined : env.body;
      // Learn before resolving, so a push that follows in the same read sees the new state.
      this.#host.replied(request.type, request.body, body);
      request.resolve(body);
      return;
    }
    switch (env.type) {
      case 'error':
        this.#host.problem('SERVER_ERROR', env.body.message, env.body.code, env.body.context);
        return;
      case 'ping':
      case 'pong':
      case 'session':
      case 'session_resume':
      case 'empty':
        return;
      case 'unknown':
        this.#host.pushed({ type: 'unknown', key: env.key, body: env.body });
        return;
      default:
        this.#host.pushed({ type: env.type, body: env.body } as PushEvent);
    }
  }

  #transmit(request: PendingRequest): void {
    this.#pending.add(request);
    try {
      this.#host.write(request.text);
    } catch (cause) {
      this.#pending.take(request.cid);
      const message = `${request.type}: send failed`;
      request.reject(new RealtimeSocketError(RealtimeFailure.DISCONNECTED, message, { cause }));
    }
  }

  #tryWrite(text: string | Uint8Array): void {
    try {
      this.#host.write(text);
    } catch {
      // The connection is going away; its close is handled by the carrier's callback.
    }
  }
}
