/**
 * Helpers for match and runtime tests with the unmodified nakama-js 2.8.0 client: a recorder for its
 * match callbacks, and players that have one.
 */
import type { MatchData, MatchPresenceEvent } from '@heroiclabs/nakama-js';
import type { TestServer } from './helpers.ts';
import { connectPlayer, type Player } from './realtime-helpers.ts';

/** Match callbacks of a nakama-js socket, recorded in order, each awaitable. */
export class MatchRecorder {
  readonly data: MatchData[] = [];
  readonly presence: MatchPresenceEvent[] = [];
  readonly #waiters: (() => void)[] = [];

  constructor(socket: Player['socket']) {
    socket.onmatchdata = (d) => {
      this.data.push(d);
      this.#wake();
    };
    socket.onmatchpresence = (e) => {
      this.presence.push(e);
      this.#wake();
    };
  }

  /** Waits until `count` match_data pushes (matching `filter`) have arrived; returns them. */
  async dataCount(count: number, filter: (d: MatchData) => boolean = () => true, timeoutMs = 5000) {
    await this.#until(() => this.data.filter(filter).length >= count, `${count} match_data`, timeoutMs);
    return this.data.filter(filter);
  }

  /** Waits until `count` presence events (matching `filter`) have arrived; returns them. */
  async presenceCount(
    count: number,
    filter: (e: MatchPresenceEvent) => boolean = () => true,
    timeoutMs = 5000,
  ) {
    await this.#until(
      () => this.presence.filter(filter).length >= count,
      `${count} match_presence_event`,
      timeoutMs,
    );
    return this.presence.filter(filter);
  }

  /**
   * Waits until the presence events have announced `count` joins in all; returns the joins. Joins
   * that reach a node in one turn (from another node's bus frame, say) share one event.
   */
  async joinCount(count: number, timeoutMs = 5000) {
    const joins = () => this.presence.flatMap((e) => e.joins ?? []);
    await this.#until(() => joins().length >= count, `${count} joins`, timeoutMs);
    return joins();
  }

  async #until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

/** A nakama-js player whose match callbacks are recorded. */
export interface MatchPlayer extends Player {
  readonly match: MatchRecorder;
}

/** Logs a device in, opens its socket and records its match callbacks. */
export async function connectMatchPlayer(
  server: TestServer,
  opened: Player[],
  username?: string,
): Promise<MatchPlayer> {
  const player = await connectPlayer(server, opened, username === undefined ? {} : { username });
  return { ...player, match: new MatchRecorder(player.socket) };
}

/** Base64 of a string's UTF-8 bytes, as `match_data_send.data` carries it on the wire. */
export function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

/** The text inside a wire `data` field (base64 of UTF-8). */
export function unb64(s: unknown): string {
  return Buffer.from(String(s), 'base64').toString();
}

/** Text of a received match_data payload. */
export function text(d: MatchData): string {
  return new TextDecoder().decode(d.data);
}

/** The error a nakama-js promise rejects with (`{code, message}`), failing if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as { code: number; message: string },
  );
}
