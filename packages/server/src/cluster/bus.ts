/**
 * The cluster bus: typed messages between nodes, batched into frames, over a frame transport (Redis
 * pub/sub today; the transport interface is small enough for NATS).
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import { BusCounters, type BusStats, type DropReason } from './bus-stats.ts';
import {
  type BusMessage,
  type DecodedFrame,
  decodeFrame,
  encodeFrame,
  type FrameSender,
  peekSender,
  WIRE_VERSION,
} from './wire.ts';

/** The destination meaning "every other node". Node names cannot contain `*`. */
export const EVERY_NODE = '*';

/**
 * Moves frames between nodes: each node receives what is published to its name and to
 * {@link EVERY_NODE} (its own frames to every node included; the bus drops those). Frames published
 * by one node arrive at each receiver in the order they were published, whatever their destination.
 */
export interface FrameTransport {
  /** Connects and starts delivering the frames addressed to `node` and to every node. */
  start(node: string, onFrame: (frame: Uint8Array) => void): Promise<void>;
  /** Publishes a frame; settles when the transport has written it, rejects if it could not. */
  publish(to: string, frame: Uint8Array): Promise<void>;
  /** Whether frames can be published and received now. */
  readonly connected: boolean;
  /** Subscribes to connection changes; returns the unsubscribe function. */
  onConnection(listener: (connected: boolean) => void): () => void;
  close(): Promise<void>;
}

/** Decides whether frames of a sender are accepted (the cluster's membership implements it). */
export interface SenderGate {
  /** True for a live node of the cluster under this incarnation. */
  isKnown(sender: FrameSender): boolean;
  /** Checks an unknown sender against the directory; resolves true if it is a live node now. */
  verify(sender: FrameSender): Promise<boolean>;
}

/** Receives every message from other nodes, with the frame's payloads. */
export type BusHandler = (from: string, message: BusMessage, payloads: readonly Uint8Array[]) => void;

/** Settings of a {@link FramedBus}. */
export interface BusOptions {
  readonly node: string;
  /** Random id of this process; a restarted node has a new one. */
  readonly incarnation: string;
  readonly transport: FrameTransport;
  readonly gate: SenderGate;
  readonly logger: Logger;
  /** Bytes queued and in flight before new messages are dropped (counted); default 64 MiB. */
  readonly maxBacklogBytes?: number;
  /** Frames kept per unknown sender while it is being checked; default 1000. */
  readonly maxUnverifiedFrames?: number;
  /**
   * Least time between two flushes (ms, default 0: every turn). Each flush costs a write per frame
   * (a system call and a Redis command); under load, waiting a couple of milliseconds puts many
   * turns' messages in one frame. At low load the first flush after a pause is not delayed.
   */
  readonly minFlushIntervalMs?: number;
}

/** A frame being filled during one turn. */
interface PendingFrame {
  readonly to: string;
  readonly messages: BusMessage[];
  readonly payloads: Uint8Array[];
  bytes: number;
  /** Full: later messages start a new frame. */
  sealed: boolean;
}

/** A frame closes once this big; the next message starts another. */
const FRAME_SOFT_LIMIT = 1024 * 1024;
/** Rough JSON size of a message without its payload, for the backlog bound. */
const MESSAGE_OVERHEAD = 64;

/**
 * The bus over a {@link FrameTransport}.
 *
 * Sending: messages published during one event-loop turn (or, with `minFlushIntervalMs`, during a
 * few milliseconds under load) are batched into as few frames as their order allows, and written on
 * the next turn. Order is kept per receiver: every message published to
 * a node arrives after the messages published before it to that node or to every node. A broadcast
 * to every node is one frame for all of them. Queued and in-flight bytes are bounded
 * (`maxBacklogBytes`); past it, and while the transport is disconnected, messages are dropped and
 * counted — callers that must not lose state detect the gap (replication sequence numbers) and
 * resynchronise.
 *
 * Receiving: a frame from a node the gate does not know is held (bounded) while the gate checks the
 * directory; if the node is not live, its frames are dropped and counted. Frames of another version,
 * malformed frames and messages that fail the schema are dropped and counted, never thrown. A failing
 * handler is logged and counted; the other messages of the frame still run.
 */
export class FramedBus {
  readonly node: string;
  readonly incarnation: string;
  readonly #transport: FrameTransport;
  readonly #gate: SenderGate;
  readonly #log: Logger;
  readonly #maxBacklog: number;
  readonly #maxUnverified: number;
  readonly #minFlushMs: number;
  #lastFlush = 0;
  readonly #handlers = new Set<BusHandler>();
  readonly #counters = new BusCounters();
  #frames: PendingFrame[] = [];
  /** Inbox frames that may still take messages (all after the last frame to every node). */
  #open = new Map<string, PendingFrame>();
  #queuedBytes = 0;
  #inFlightBytes = 0;
  #flushScheduled = false;
  readonly #unverified = new Map<string, Uint8Array[]>();
  #closed = false;

  constructor(opts: BusOptions) {
    this.node = opts.node;
    this.incarnation = opts.incarnation;
    this.#transport = opts.transport;
    this.#gate = opts.gate;
    this.#log = opts.logger;
    this.#maxBacklog = opts.maxBacklogBytes ?? 64 * 1024 * 1024;
    this.#maxUnverified = opts.maxUnverifiedFrames ?? 1000;
    this.#minFlushMs = opts.minFlushIntervalMs ?? 0;
  }

  /** Connects the transport and starts receiving. */
  start(): Promise<void> {
    return this.#transport.start(this.node, (frame) => this.#receive(frame));
  }

  /** Whether the transport is connected now. */
  get connected(): boolean {
    return this.#transport.connected;
  }

  /** Subscribes to transport connection changes. */
  onConnection(listener: (connected: boolean) => void): () => void {
    return this.#transport.onConnection(listener);
  }

  /** Subscribes to messages from other nodes; returns the unsubscribe function. */
  onMessage(handler: BusHandler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  /** Counters since start. */
  stats(): BusStats {
    return this.#counters.snapshot(this.#queuedBytes + this.#inFlightBytes);
  }

  /** Counts a message refused above the bus (a method's or a table's schema), with the bus's drops. */
  refused(reason: DropReason, detail?: string): void {
    this.#counters.drop(reason, this.#log, 1, detail);
  }

  /** Queues a message (not a delivery) for a node or for {@link EVERY_NODE}. */
  publish(to: string, message: Exclude<BusMessage, { t: 'ds' | 'dp' }>): void {
    this.#enqueue(to, message, undefined);
  }

  /** Queues the delivery of an encoded envelope to node `to`'s members of a stream (except one session). */
  deliverToStream(
    to: string,
    streamId: string,
    exclude: string | undefined,
    type: string,
    payload: Uint8Array,
  ): void {
    const message: BusMessage =
      exclude === undefined
        ? { t: 'ds', s: streamId, y: type, p: 0 }
        : { t: 'ds', s: streamId, x: exclude, y: type, p: 0 };
    this.#enqueue(to, message, payload);
  }

  /** Queues the delivery of an encoded envelope (of type `type`) to sessions of node `to`. */
  deliverToSessions(to: string, sessionIds: string[], type: string, payload: Uint8Array): void {
    this.#enqueue(to, { t: 'dp', ss: sessionIds, y: type, p: 0 }, payload);
  }

  /** Writes what is queued, then closes the transport. Later publishes are dropped. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    await this.#transport.close();
  }

  #enqueue(to: string, message: BusMessage, payload: Uint8Array | undefined): void {
    const size = MESSAGE_OVERHEAD + (payload?.byteLength ?? 0);
    if (this.#closed) return;
    if (this.#queuedBytes + this.#inFlightBytes + size > this.#maxBacklog) {
      this.#counters.drop('backlog', this.#log);
      return;
    }
    const frame = this.#frameFor(to);
    if (payload !== undefined) {
      (message as { p: number }).p = frame.payloads.length;
      frame.payloads.push(payload);
    }
    frame.messages.push(message);
    frame.bytes += size;
    this.#queuedBytes += size;
    if (frame.bytes >= FRAME_SOFT_LIMIT) {
      frame.sealed = true;
      this.#open.delete(to);
    }
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      const wait = this.#lastFlush + this.#minFlushMs - performance.now();
      if (wait <= 0) setImmediate(() => this.#flush());
      else setTimeout(() => this.#flush(), wait);
    }
  }

  /** The frame a message to `to` goes into, keeping order per receiver (see the class comment). */
  #frameFor(to: string): PendingFrame {
    if (to === EVERY_NODE) {
      const last = this.#frames[this.#frames.length - 1];
      if (last?.to === EVERY_NODE && !last.sealed) return last;
      // Messages to single nodes queued after this one must follow it: they start new frames.
      this.#open.clear();
      return this.#newFrame(EVERY_NODE);
    }
    return this.#open.get(to) ?? this.#newFrame(to);
  }

  #newFrame(to: string): PendingFrame {
    const frame: PendingFrame = { to, messages: [], payloads: [], bytes: 0, sealed: false };
    this.#frames.push(frame);
    if (to !== EVERY_NODE) this.#open.set(to, frame);
    return frame;
  }

  #flush(): void {
    this.#flushScheduled = false;
    this.#lastFlush = performance.now();
    const frames = this.#frames;
    this.#frames = [];
    this.#open = new Map();
    this.#queuedBytes = 0;
    const connected = this.#transport.connected;
    for (const f of frames) {
      if (f.messages.length === 0) continue;
      if (!connected) {
        this.#counters.drop('disconnected', this.#log, f.messages.length);
        continue;
      }
      const bytes = encodeFrame(this, f.messages, f.payloads);
      this.#counters.sent(f.messages.length, bytes.byteLength);
      this.#inFlightBytes += f.bytes;
      this.#transport.publish(f.to, bytes).then(
        () => {
          this.#inFlightBytes -= f.bytes;
        },
        () => {
          this.#inFlightBytes -= f.bytes;
          this.#counters.drop('disconnected', this.#log, f.messages.length);
        },
      );
    }
  }

  #receive(frame: Uint8Array): void {
    const sender = peekSender(frame);
    if (sender === undefined) {
      this.#counters.drop(frame[0] === WIRE_VERSION ? 'malformed' : 'version', this.#log);
      return;
    }
    if (sender.node === this.node) {
      if (sender.incarnation !== this.incarnation) this.#counters.drop('ownName', this.#log);
      return;
    }
    const key = `${sender.node}/${sender.incarnation}`;
    const held = this.#unverified.get(key);
    if (held !== undefined) {
      if (held.length >= this.#maxUnverified) this.#counters.drop('unknownNode', this.#log);
      else held.push(frame);
      return;
    }
    if (this.#gate.isKnown(sender)) {
      this.#dispatch(frame);
      return;
    }
    this.#unverified.set(key, [frame]);
    this.#gate.verify(sender).then(
      (live) => this.#release(key, live),
      () => this.#release(key, false),
    );
  }

  #release(key: string, live: boolean): void {
    const held = this.#unverified.get(key) ?? [];
    this.#unverified.delete(key);
    if (!live) {
      this.#counters.drop('unknownNode', this.#log, held.length);
      return;
    }
    for (const frame of held) this.#dispatch(frame);
  }

  #dispatch(frame: Uint8Array): void {
    const decoded = decodeFrame(frame);
    if ('refused' in decoded) {
      this.#counters.drop(decoded.refused, this.#log, 1, decoded.detail);
      return;
    }
    this.#counters.received(decoded.messages.length, frame.byteLength);
    this.#run(decoded);
  }

  #run(frame: DecodedFrame): void {
    for (const message of frame.messages) {
      for (const handler of this.#handlers) {
        try {
          handler(frame.node, message, frame.payloads);
        } catch (err) {
          this.#counters.drop('handler', this.#log, 1, (err as Error)?.message);
          this.#log.error({ err, from: frame.node, type: message.t }, 'cluster bus handler failed');
        }
      }
    }
  }
}
