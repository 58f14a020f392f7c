/**
 * Test helpers for the network layer: an event recorder that lets a test await the event it
 * expects (instead of sleeping), and a logger whose lines can be inspected.
 */
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import type { NetworkEvent } from '../src/network/types.ts';

/** Anything with an `onEvent` method (a Network or a NetworkServer). */
interface EventSource {
  onEvent(handler: (e: NetworkEvent) => void): () => void;
}

/** Records events; `waitFor` resolves with the first recorded event matching a predicate. */
export class EventRecorder {
  readonly events: NetworkEvent[] = [];
  #waiters: { pred: (e: NetworkEvent) => boolean; resolve: (e: NetworkEvent) => void }[] = [];

  constructor(source: EventSource) {
    source.onEvent((e) => {
      this.events.push(e);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.pred(e)) return true;
        w.resolve(e);
        return false;
      });
    });
  }

  /** Resolves with the first event (already recorded or future) matching `pred`. */
  waitFor<T extends NetworkEvent = NetworkEvent>(pred: (e: NetworkEvent) => boolean): Promise<T> {
    const found = this.events.find(pred);
    if (found) return Promise.resolve(found as T);
    return new Promise((resolve) =>
      this.#waiters.push({ pred, resolve: resolve as (e: NetworkEvent) => void }),
    );
  }

  /** Resolves once `n` events match `pred`. */
  async waitForCount(pred: (e: NetworkEvent) => boolean, n: number): Promise<NetworkEvent[]> {
    for (;;) {
      const matching = this.events.filter(pred);
      if (matching.length >= n) return matching;
      await new Promise<NetworkEvent>((resolve) => this.#waiters.push({ pred, resolve }));
    }
  }

  of(type: NetworkEvent['type']): NetworkEvent[] {
    return this.events.filter((e) => e.type === type);
  }
}

/** A pino logger that keeps parsed lines; `waitFor` awaits a line matching a predicate. */
export function captureLogger(): {
  logger: Logger;
  lines: Record<string, unknown>[];
  waitFor: (pred: (line: Record<string, unknown>) => boolean) => Promise<Record<string, unknown>>;
} {
  const lines: Record<string, unknown>[] = [];
  let waiters: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (!text) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        waiters = waiters.filter((w) => {
          if (!w.pred(line)) return true;
          w.resolve(line);
          return false;
        });
      }
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return {
    logger,
    lines,
    waitFor(pred) {
      const found = lines.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** Resolves when `emitter` emits `event`. */
export function once<T = unknown>(
  emitter: { once(event: string, fn: (...args: never[]) => void): unknown },
  event: string,
): Promise<T> {
  return new Promise((resolve) =>
    emitter.once(event, ((value: T) => resolve(value)) as (...args: never[]) => void),
  );
}
