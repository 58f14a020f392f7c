/**
 * Reading the PROXY protocol header off a freshly accepted TCP socket, before anything else sees
 * the connection (see `proxy-protocol.ts` for the header itself).
 *
 * @packageDocumentation
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { type ProxiedPeer, ProxyHeaderError, readProxyHeader } from './proxy-protocol.ts';

/** PROXY protocol on a TCP listener: every accepted connection must begin with a header. */
export interface ProxyProtocolOptions {
  /** Whether the header of a connection from `peer` is believed (the trusted proxies). */
  readonly trusts: (peer: string) => boolean;
  /** Time a connection has to send its whole header before it is closed. */
  readonly timeoutMs: number;
  /** Connections still sending their header, at most; more are closed at once. */
  readonly maxPending: number;
}

/** Least time between two warnings about refused headers (the rest are logged at debug). */
const WARN_EVERY_MS = 60_000;

/**
 * Reads the header of each accepted socket, then hands the socket on with the client it names.
 *
 * Bounded: at most `maxPending` sockets wait for their header, each for `timeoutMs` at most and
 * holding at most one version 2 header's worth of bytes beyond the last chunk read; a socket that
 * sends anything but a header, too long a header or nothing in time is closed without a word (its
 * peer is a proxy misconfigured or not a proxy). A header from an untrusted peer is read and its
 * addresses ignored.
 */
export class ProxiedAccept {
  readonly #opts: ProxyProtocolOptions;
  readonly #logger: Logger;
  /** Sockets waiting for their header, each with what stops the wait. */
  readonly #waiting = new Map<Socket, () => void>();
  #lastWarning = Number.NEGATIVE_INFINITY;

  constructor(opts: ProxyProtocolOptions, logger: Logger) {
    this.#opts = opts;
    this.#logger = logger;
  }

  /** Connections waiting for their header now. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** Closes every socket still waiting for its header (the listener is closing). */
  closeAll(): void {
    for (const [socket, stop] of [...this.#waiting]) {
      stop();
      socket.destroy();
    }
  }

  /**
   * Waits for `socket`'s header; then calls `accepted` with the client (undefined: the socket's own
   * peer stands) and the bytes that followed the header in the same reads.
   */
  accept(socket: Socket, accepted: (client: ProxiedPeer | undefined, rest: Buffer) => void): void {
    if (this.#waiting.size >= this.#opts.maxPending) {
      this.#refuse(socket, `${this.#waiting.size} connections are already sending their PROXY header`);
      return;
    }
    let received: Buffer | undefined;
    const stop = (): void => {
      this.#waiting.delete(socket);
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', stop);
      socket.off('error', ignore);
    };
    const timer = setTimeout(() => {
      stop();
      this.#refuse(socket, `no PROXY header within ${this.#opts.timeoutMs} ms`);
    }, this.#opts.timeoutMs);
    const onData = (chunk: Buffer): void => {
      received = received ? Buffer.concat([received, chunk]) : chunk;
      let header: ReturnType<typeof readProxyHeader>;
      try {
        header = readProxyHeader(received);
      } catch (err) {
        stop();
        // Only ProxyHeaderError is expected; anything else is a bug here, never the peer's fault,
        // and must not take the process down from a stranger's bytes.
        if (!(err instanceof ProxyHeaderError)) this.#logger.error({ err }, 'reading a PROXY header failed');
        this.#refuse(socket, (err as Error).message);
        return;
      }
      if (!header.complete) return;
      stop();
      const trusted = this.#opts.trusts(socket.remoteAddress ?? '');
      if (!trusted && header.source) {
        this.#logger.debug(
          { remote: socket.remoteAddress, claimed: header.source.address },
          'PROXY header from a peer not in trustedProxies: its addresses are ignored',
        );
      }
      accepted(trusted ? header.source : undefined, received.subarray(header.length));
    };
    this.#waiting.set(socket, stop);
    socket.on('data', onData);
    socket.on('close', stop);
    // Errors before the hand-over are the peer's business ('close' follows).
    socket.on('error', ignore);
  }

  #refuse(socket: Socket, why: string): void {
    const now = Date.now();
    const log = { remote: socket.remoteAddress, why };
    if (now - this.#lastWarning >= WARN_EVERY_MS) {
      this.#lastWarning = now;
      this.#logger.warn(
        log,
        'GameMaker TCP connection closed: gmProxyProtocol is on and it did not start with a valid PROXY header (is the proxy sending one?); more of these within a minute are logged at debug',
      );
    } else this.#logger.debug(log, 'connection closed: no valid PROXY header');
    socket.destroy();
  }
}

function ignore(): void {}
