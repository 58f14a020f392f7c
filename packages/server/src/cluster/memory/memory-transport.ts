/**
 * An in-process frame transport: several nodes in one process, for tests of the cluster's logic
 * without Redis. It keeps the transport's promises: frames of one publisher arrive in order, frames
 * to every node reach every started node (the publisher included, as Redis does), and a node can be
 * disconnected and reconnected.
 *
 * @packageDocumentation
 */
import { EVERY_NODE, type FrameTransport } from '../bus.ts';

/** The shared medium of {@link MemoryTransport}s. */
export class MemoryHub {
  readonly #nodes = new Map<string, MemoryTransport>();
  /** One queue for every frame keeps the global publish order, like one Redis server. */
  readonly #queue: { to: string; frame: Uint8Array }[] = [];
  #draining = false;

  /** A transport on this hub. */
  transport(): MemoryTransport {
    return new MemoryTransport(this);
  }

  /** @internal */
  attach(node: string, transport: MemoryTransport): void {
    this.#nodes.set(node, transport);
  }

  /** @internal */
  detach(node: string, transport: MemoryTransport): void {
    if (this.#nodes.get(node) === transport) this.#nodes.delete(node);
  }

  /** @internal */
  send(to: string, frame: Uint8Array): void {
    this.#queue.push({ to, frame });
    if (this.#draining) return;
    this.#draining = true;
    setImmediate(() => this.#drain());
  }

  #drain(): void {
    this.#draining = false;
    for (const { to, frame } of this.#queue.splice(0)) {
      if (to === EVERY_NODE) for (const t of this.#nodes.values()) t.receive(frame);
      else this.#nodes.get(to)?.receive(frame);
    }
  }
}

/** One node's end of a {@link MemoryHub}. */
export class MemoryTransport implements FrameTransport {
  readonly #hub: MemoryHub;
  readonly #listeners = new Set<(connected: boolean) => void>();
  #node = '';
  #onFrame: ((frame: Uint8Array) => void) | undefined;
  #connected = false;

  constructor(hub: MemoryHub) {
    this.#hub = hub;
  }

  async start(node: string, onFrame: (frame: Uint8Array) => void): Promise<void> {
    this.#node = node;
    this.#onFrame = onFrame;
    this.setConnected(true);
  }

  async publish(to: string, frame: Uint8Array): Promise<void> {
    if (!this.#connected) throw new Error('memory transport disconnected');
    this.#hub.send(to, frame);
  }

  get connected(): boolean {
    return this.#connected;
  }

  onConnection(listener: (connected: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Cuts this node off the hub (frames to it are lost) or plugs it back in. */
  setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    if (connected) this.#hub.attach(this.#node, this);
    else this.#hub.detach(this.#node, this);
    for (const listener of [...this.#listeners]) listener(connected);
  }

  /** @internal */
  receive(frame: Uint8Array): void {
    if (this.#connected) this.#onFrame?.(frame);
  }

  async close(): Promise<void> {
    this.setConnected(false);
  }
}
