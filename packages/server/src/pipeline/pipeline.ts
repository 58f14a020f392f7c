import {
  type ClientMessageKey,
  CloseCode,
  CloseReason,
  type DecodedClientMessages,
  type DecodedEnvelope,
  decodeEnvelope,
  decodeEnvelopePb,
  peekCidPb,
  RealtimeError,
  RealtimeErrorCode,
  rateLimited,
} from '@tether/protocol';
import type { Logger } from 'pino';
import { type Count, NO_METERS, type PipelineMeter } from '../observability/meters.ts';
import { OutboundMessage } from '../presence/outbound.ts';
import { Context, type RequestContext } from './context.ts';
import { runHooked, type SocketHooks } from './socket-hooks.ts';

export type { RequestContext } from './context.ts';

import type { Session } from '../session/session.ts';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';

/** Handles one message type. Throw {@link RealtimeError} for client errors. */
export type MessageHandler<K extends ClientMessageKey> = (
  ctx: RequestContext,
  body: DecodedClientMessages[K],
) => void | Promise<void>;

/** Handlers by message name: what a feature hands to {@link Pipeline.mount}. */
export type SocketHandlers = { readonly [K in ClientMessageKey]?: MessageHandler<K> };

/**
 * One inbound message: a JSON envelope's text, or the bytes of a binary frame holding a protobuf
 * `Envelope` (`/ws?format=protobuf`). Both decode to the same envelope and take the same path.
 */
export type InboundMessage = string | Uint8Array;

/** Inbound limits, per session. */
export interface PipelineLimits {
  /** Largest inbound message in bytes (UTF-8 for JSON); larger ones get an error and the socket is closed (1009). */
  readonly maxMessageBytes: number;
  /** Sustained messages per second allowed per session. */
  readonly ratePerSecond: number;
  /** Burst above the sustained rate. */
  readonly rateBurst: number;
  /** Messages waiting behind a slow (async) handler before the session is closed. */
  readonly maxPendingMessages: number;
}

/**
 * Outgoing queue slots a dropped message's error reply leaves free: below this, the session is closed
 * for its rate instead (the replies of messages already admitted this turn still need the room).
 */
const RATE_REPLY_MARGIN = 16;

/** A registered handler and the count of the messages it received. */
interface Route {
  readonly run: MessageHandler<ClientMessageKey>;
  readonly received: Count;
}

interface SessionState {
  tokens: number;
  refilledAt: number;
  /** Messages dropped for rate since the bucket was last full. */
  strikes: number;
  busy: boolean;
  pending: InboundMessage[];
}

/**
 * Maps each envelope message type to its handler. It owns what every message shares: decoding and
 * validation, per-session ordering, the rate limit, and turning failures into error envelopes.
 *
 * Ordering: one session's messages are handled strictly in arrival order. A handler that returns a
 * promise holds back that session's later messages until it settles (bounded by
 * `maxPendingMessages`; overflow closes the session with 1008). Other sessions are not held.
 *
 * Rate limit: a token bucket per session. A message over the limit is answered with BAD_INPUT "rate
 * limit exceeded" and dropped. Drops are forgiven only once the bucket is full again (the client
 * slowed down for as long as a whole burst takes to refill): a client with more than `rateBurst`
 * drops before that is closed with 1008 {@link CloseReason.RATE_LIMITED}, and so is one whose error
 * reply would no longer fit in its outgoing queue, so a flood (even one read as fast as it is
 * answered) ends on the rate limit, never as a slow consumer filled by its own error replies.
 */
export class Pipeline {
  readonly #handlers = new Map<string, Route>();
  readonly #state = new WeakMap<Session, SessionState>();
  readonly #limits: PipelineLimits;
  readonly #decodeOptions: { readonly maxBytes: number; readonly keepBytes: true };
  readonly #log: Logger;
  readonly #now: () => number;

  readonly #hooks: SocketHooks | undefined;
  readonly #node: string;
  readonly #meter: PipelineMeter;
  /** Sessions whose asynchronous handler (or the queue behind it) is still running. */
  #inFlight = 0;
  readonly #idleWaiters: (() => void)[] = [];

  constructor(opts: {
    limits: PipelineLimits;
    logger: Logger;
    now?: () => number;
    /** Before/after hooks by message name (filled by game modules). */
    hooks?: SocketHooks;
    /** This node's name, for hook contexts. */
    node?: string;
    /** Counts received messages by type and error envelopes by code. */
    meter?: PipelineMeter;
  }) {
    this.#limits = opts.limits;
    this.#decodeOptions = { maxBytes: opts.limits.maxMessageBytes, keepBytes: true };
    this.#log = opts.logger;
    this.#now = opts.now ?? Date.now;
    this.#hooks = opts.hooks;
    this.#node = opts.node ?? '';
    this.#meter = opts.meter ?? NO_METERS.pipeline;
  }

  /** Registers the handler of one message type (one per type). */
  register<K extends ClientMessageKey>(type: K, handler: MessageHandler<K>): this {
    if (this.#handlers.has(type)) throw new Error(`handler for ${type} already registered`);
    this.#handlers.set(type, {
      run: handler as unknown as MessageHandler<ClientMessageKey>,
      received: this.#meter.received(type),
    });
    return this;
  }

  /** Registers every handler of a table (one per message type, as {@link register}). */
  mount(handlers: SocketHandlers): this {
    for (const [type, handler] of Object.entries(handlers)) {
      if (handler) this.register(type as ClientMessageKey, handler as MessageHandler<ClientMessageKey>);
    }
    return this;
  }

  /** Feeds one inbound message of a session (JSON text or protobuf bytes). Never throws. */
  receive(session: Session, text: InboundMessage): void {
    if (session.closed) return;
    const state = this.#stateOf(session);
    if (!this.#admit(session, state, text)) return;
    if (state.busy) {
      if (state.pending.length >= this.#limits.maxPendingMessages) {
        session.close(1008, 'inbound queue full: too many messages waiting for a reply');
        return;
      }
      state.pending.push(text);
      return;
    }
    this.#run(session, state, text);
  }

  /**
   * Resolves once no session has a handler running or messages queued behind one (at once when
   * none has). Shutdown waits on it, within its grace period, after sessions stopped reading.
   */
  idle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #run(session: Session, state: SessionState, text: InboundMessage): void {
    let current: InboundMessage | undefined = text;
    while (current !== undefined) {
      const result = this.#dispatch(session, current);
      if (result) {
        state.busy = true;
        this.#inFlight++;
        void result.finally(() => {
          state.busy = false;
          this.#inFlight--;
          const next = state.pending.shift();
          if (next !== undefined && !session.closed) this.#run(session, state, next);
          if (this.#inFlight === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
        });
        return;
      }
      current = state.pending.shift();
    }
  }

  /** Handles one message; returns a promise only when the handler is asynchronous. */
  #dispatch(session: Session, text: InboundMessage): Promise<void> | undefined {
    let cid: string | undefined;
    try {
      const env: DecodedEnvelope =
        typeof text === 'string'
          ? decodeEnvelope(text, this.#decodeOptions)
          : decodeEnvelopePb(text, this.#decodeOptions);
      cid = env.cid;
      const route = this.#handlers.get(env.type);
      if (!route) {
        throw new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, `Unsupported message: ${env.type}`);
      }
      route.received.inc();
      const hooks = this.#hooks?.size ? this.#hooks.get(env.type) : undefined;
      const result = hooks
        ? runHooked(hooks, new Context(session, cid), env.type, env.body as object, route.run as never, {
            node: this.#node,
            logger: this.#log,
          })
        : route.run(new Context(session, cid), env.body as never);
      if (result instanceof Promise) return result.catch((err: unknown) => this.#fail(session, cid, err));
      return undefined;
    } catch (err) {
      // A message that could not be decoded (too large, malformed) still names its cid when the start
      // of its text shows one, so the client's pending request fails at once instead of timing out.
      this.#fail(session, cid ?? (err instanceof RealtimeError ? err.cid : undefined) ?? peekCid(text), err);
      return undefined;
    }
  }

  #fail(session: Session, cid: string | undefined, err: unknown): void {
    const known = toRealtimeError(err);
    const error =
      known ??
      new RealtimeError(RealtimeErrorCode.RUNTIME_EXCEPTION, 'Internal server error', { cause: err });
    if (!known) this.#log.error({ err, sessionId: session.id }, 'unhandled error in realtime handler');
    this.#meter.error(error.code);
    session.deliver(errorMessage(cid, error));
    if (error.fatal) session.close(error.closeCode, error.message.slice(0, 120));
  }

  #admit(session: Session, state: SessionState, text: InboundMessage): boolean {
    const now = this.#now();
    const { ratePerSecond, rateBurst } = this.#limits;
    state.tokens = Math.min(rateBurst, state.tokens + ((now - state.refilledAt) / 1000) * ratePerSecond);
    state.refilledAt = now;
    // Forgiveness needs a full bucket, not one refilled token: with a token every 1/rate seconds a
    // steady flood would otherwise never collect `rateBurst` strikes and be answered forever.
    if (state.tokens >= rateBurst) state.strikes = 0;
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return true;
    }
    state.strikes++;
    // The error reply needs room in the outgoing queue; keep a margin for what the admitted messages
    // of this turn may still push, so the queue bound never fires before the rate limit does.
    if (state.strikes > rateBurst || session.queueRoom <= RATE_REPLY_MARGIN) {
      session.close(CloseCode.POLICY_VIOLATION, CloseReason.RATE_LIMITED);
    } else {
      const error = rateLimited();
      this.#meter.error(error.code);
      session.deliver(errorMessage(peekCid(text), error));
    }
    return false;
  }

  #stateOf(session: Session): SessionState {
    let state = this.#state.get(session);
    if (!state) {
      state = {
        tokens: this.#limits.rateBurst,
        refilledAt: this.#now(),
        strikes: 0,
        busy: false,
        pending: [],
      };
      this.#state.set(session, state);
    }
    return state;
  }
}

/**
 * The one translation of service errors for the socket: a {@link DomainError} becomes the realtime
 * error its `socketCode` names, else `RUNTIME_EXCEPTION` for internal failures and `BAD_INPUT` for
 * every client-caused kind (as Nakama answers them). Anything else is a bug: undefined.
 */
export function toRealtimeError(err: unknown): RealtimeError | undefined {
  if (err instanceof RealtimeError) return err;
  if (!(err instanceof DomainError)) return undefined;
  const code =
    err.socketCode ??
    (err.kind === ErrorKind.INTERNAL || err.kind === ErrorKind.UNAVAILABLE
      ? RealtimeErrorCode.RUNTIME_EXCEPTION
      : RealtimeErrorCode.BAD_INPUT);
  return new RealtimeError(code as RealtimeErrorCode, err.message, {
    cause: err,
    ...(err.context ? { context: { ...err.context } } : {}),
  });
}

/** An error envelope, `{cid?, error}`, in the shape `encodeError` writes. */
function errorMessage(cid: string | undefined, error: RealtimeError): OutboundMessage {
  const body = error.toWire();
  return new OutboundMessage(cid ? { cid, error: body } : { error: body }, 'error');
}

/**
 * The cid of a message that will not be decoded (rate-limited, too large, malformed), found cheaply
 * (in the first 512 characters of a JSON text; at the start of a protobuf frame) so the client's
 * pending request fails at once instead of timing out.
 */
function peekCid(text: InboundMessage): string | undefined {
  if (typeof text !== 'string') return peekCidPb(text);
  return /"cid"\s*:\s*"([^"\\]{1,64})"/.exec(text.slice(0, 512))?.[1];
}
