/**
 * {@link Peers} over the cluster bus: request/reply with timeouts, one-way messages, replicated
 * tables and node departures.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { type ZodType, z } from 'zod';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';
import { EVERY_NODE, type FramedBus } from './bus.ts';
import type { Membership } from './membership.ts';
import { type Peers, type ReplicaTable, unavailable } from './peers.ts';
import { Replicator, SNAPSHOT_METHOD } from './replicator.ts';
import type { BusMessage, WireError } from './wire.ts';

interface PendingCall {
  readonly node: string;
  readonly method: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

interface Handler {
  readonly schema: ZodType<unknown>;
  readonly fn: (body: unknown, from: string) => unknown;
}

const KINDS = new Set<string>(Object.values(ErrorKind));

/** Settings of {@link BusPeers}. */
export interface BusPeersOptions {
  readonly bus: FramedBus;
  readonly membership: Membership;
  readonly logger: Logger;
  /** How long a call may wait for its answer. */
  readonly timeoutMs: number;
  /** Calls waiting for an answer at once; more fail RESOURCE_EXHAUSTED. Default 10,000. */
  readonly maxPendingCalls?: number;
}

/**
 * Peers on the bus. Calls are `call` messages answered by `ret` messages of the same id, each with a
 * timeout; the table of calls in flight is bounded, and every entry leaves it by its answer, its
 * timeout or its node leaving the cluster (no timer outlives its call). Handlers answer synchronously
 * when they can, so an answer is queued in the same turn as the state it reports (a snapshot's
 * sequence number and its content never straddle a delta).
 */
export class BusPeers implements Peers {
  readonly node: string;
  readonly clustered = true;
  readonly replicator: Replicator;
  readonly #bus: FramedBus;
  readonly #membership: Membership;
  readonly #log: Logger;
  readonly #timeoutMs: number;
  readonly #maxPending: number;
  readonly #pending = new Map<number, PendingCall>();
  readonly #handlers = new Map<string, Handler>();
  readonly #down = new Set<(node: string) => void>();
  #nextId = 0;

  constructor(opts: BusPeersOptions) {
    this.node = opts.bus.node;
    this.#bus = opts.bus;
    this.#membership = opts.membership;
    this.#log = opts.logger;
    this.#timeoutMs = opts.timeoutMs;
    this.#maxPending = opts.maxPendingCalls ?? 10_000;
    this.replicator = new Replicator({
      logger: opts.logger,
      retryMs: Math.min(opts.timeoutMs, 1000),
      link: {
        publishDelta: (q, tb, d) => this.#bus.publish(EVERY_NODE, { t: 'delta', q, tb, d }),
        requestSnapshot: (node) => this.call(node, SNAPSHOT_METHOD, {}),
        isLive: (node) => this.#membership.isLive(node),
        refused: (detail) => this.#bus.refused('schema', detail),
      },
    });
    this.#handlers.set(SNAPSHOT_METHOD, { schema: z.unknown(), fn: () => this.replicator.snapshot() });
    opts.bus.onMessage((from, message) => this.#receive(from, message));
    opts.membership.subscribe({
      up: (node) => this.replicator.sync(node),
      down: (node) => this.#nodeDown(node),
    });
  }

  isLive(node: string): boolean {
    return this.#membership.isLive(node);
  }

  call(node: string, method: string, body: unknown): Promise<unknown> {
    if (!this.#membership.isLive(node) || node === this.node) {
      return Promise.reject(unavailable(node, 'it is not a live node of the cluster'));
    }
    if (!this.#bus.connected) return Promise.reject(unavailable(node, 'the cluster bus is disconnected'));
    if (this.#pending.size >= this.#maxPending) {
      return Promise.reject(
        new DomainError(
          ErrorKind.RESOURCE_EXHAUSTED,
          `Too many calls to other nodes in flight (${this.#maxPending})`,
        ),
      );
    }
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(unavailable(node, `no answer to ${method} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      timer.unref();
      this.#pending.set(id, { node, method, resolve, reject, timer });
      this.#bus.publish(node, { t: 'call', id, m: method, b: body });
    });
  }

  cast(node: string, method: string, body: unknown): void {
    if (node === this.node) return;
    this.#bus.publish(node, { t: 'cast', m: method, b: body });
  }

  castAll(method: string, body: unknown): void {
    this.#bus.publish(EVERY_NODE, { t: 'cast', m: method, b: body });
  }

  handle<T>(method: string, schema: ZodType<T>, fn: (body: T, from: string) => unknown): () => void {
    if (this.#handlers.has(method)) throw new Error(`cluster method ${method} registered twice`);
    const handler: Handler = { schema, fn: fn as Handler['fn'] };
    this.#handlers.set(method, handler);
    return () => {
      if (this.#handlers.get(method) === handler) this.#handlers.delete(method);
    };
  }

  onNodeDown(listener: (node: string) => void): () => void {
    this.#down.add(listener);
    return () => this.#down.delete(listener);
  }

  replicate<D, S>(table: ReplicaTable<D, S>): (delta: D) => void {
    return this.replicator.register(table);
  }

  /** Announces this node (start-up, reconnection): receivers reload its state. */
  hello(): void {
    this.#bus.publish(EVERY_NODE, { t: 'hello' });
  }

  /** Announces this node's sequence number, so a receiver that missed a change finds out. */
  beat(): void {
    this.#bus.publish(EVERY_NODE, { t: 'beat', q: this.replicator.seq });
  }

  /** Clean shutdown: receivers drop this node at once. */
  bye(): void {
    this.#bus.publish(EVERY_NODE, { t: 'bye' });
  }

  /** Fails every call in flight (shutdown). */
  close(): void {
    for (const [id, call] of this.#pending) {
      clearTimeout(call.timer);
      this.#pending.delete(id);
      call.reject(unavailable(call.node, 'this node is shutting down'));
    }
  }

  #receive(from: string, message: BusMessage): void {
    switch (message.t) {
      case 'call':
        this.#serve(from, message.id, message.m, message.b);
        return;
      case 'ret':
        this.#answered(from, message.id, message.ok, message.b, message.e);
        return;
      case 'cast':
        this.#cast(from, message.m, message.b);
        return;
      case 'delta':
        this.replicator.delta(from, message.q, message.tb, message.d);
        return;
      case 'beat':
        this.replicator.check(from, message.q);
        return;
      case 'hello':
        this.replicator.sync(from);
        return;
      case 'bye': {
        const incarnation = this.#membership.nodes().get(from);
        if (incarnation !== undefined) this.#membership.leave(from, incarnation);
        return;
      }
      default:
        return;
    }
  }

  #serve(from: string, id: number, method: string, body: unknown): void {
    const reply = (ok: boolean, b?: unknown, e?: WireError) =>
      this.#bus.publish(from, ok ? { t: 'ret', id, ok, b } : { t: 'ret', id, ok, e: e! });
    const handler = this.#handlers.get(method);
    if (handler === undefined) {
      this.#bus.refused('schema', `unknown method ${method}`);
      reply(false, undefined, {
        kind: ErrorKind.UNIMPLEMENTED,
        message: `Node ${this.node} has no method ${method}`,
      });
      return;
    }
    const parsed = handler.schema.safeParse(body);
    if (!parsed.success) {
      this.#bus.refused('schema', `bad body for ${method}`);
      reply(false, undefined, { kind: ErrorKind.INVALID_ARGUMENT, message: `Invalid ${method} request` });
      return;
    }
    let result: unknown;
    try {
      result = handler.fn(parsed.data, from);
    } catch (err) {
      reply(false, undefined, this.#wireError(err, method, from));
      return;
    }
    if (result instanceof Promise) {
      result.then(
        (value: unknown) => reply(true, value),
        (err: unknown) => reply(false, undefined, this.#wireError(err, method, from)),
      );
    } else {
      reply(true, result);
    }
  }

  #answered(from: string, id: number, ok: boolean, body: unknown, error: WireError | undefined): void {
    const call = this.#pending.get(id);
    if (call === undefined || call.node !== from) return; // late (timed out) or forged
    this.#pending.delete(id);
    clearTimeout(call.timer);
    if (ok) {
      call.resolve(body);
      return;
    }
    const kind = error && KINDS.has(error.kind) ? (error.kind as ErrorKind) : ErrorKind.INTERNAL;
    const options: { socketCode?: number; context?: Record<string, string> } = {};
    if (error?.socketCode !== undefined) options.socketCode = error.socketCode;
    if (error?.context !== undefined) options.context = error.context;
    call.reject(new DomainError(kind, error?.message ?? `${call.method} failed on node ${from}`, options));
  }

  #cast(from: string, method: string, body: unknown): void {
    const handler = this.#handlers.get(method);
    const parsed = handler?.schema.safeParse(body);
    if (handler === undefined || !parsed?.success) {
      this.#bus.refused('schema', handler ? `bad body for ${method}` : `unknown method ${method}`);
      return;
    }
    const result = handler.fn(parsed.data, from);
    if (result instanceof Promise) {
      result.catch((err: unknown) => this.#log.error({ err, method, from }, 'cluster: cast handler failed'));
    }
  }

  #wireError(err: unknown, method: string, from: string): WireError {
    if (err instanceof DomainError) {
      const out: { kind: string; message: string; socketCode?: number; context?: Record<string, string> } = {
        kind: err.kind,
        message: err.message,
      };
      if (err.socketCode !== undefined) out.socketCode = err.socketCode;
      if (err.context !== undefined) out.context = { ...err.context };
      return out;
    }
    this.#log.error({ err, method, from }, 'cluster: call handler failed');
    return { kind: ErrorKind.INTERNAL, message: `Internal error on node ${this.node}` };
  }

  #nodeDown(node: string): void {
    for (const [id, call] of this.#pending) {
      if (call.node !== node) continue;
      clearTimeout(call.timer);
      this.#pending.delete(id);
      call.reject(unavailable(node, 'it left the cluster'));
    }
    this.replicator.drop(node);
    for (const listener of [...this.#down]) {
      try {
        listener(node);
      } catch (err) {
        this.#log.error({ err, node }, 'cluster: node-down listener failed');
      }
    }
  }
}
