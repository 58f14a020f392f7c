/**
 * A lean HTTP/1.1 keep-alive client for the read phases of `leaderboards-http --client raw`: one
 * connection, one request at a time, responses read into buffers it owns (`net`'s `onread` option,
 * so no Buffer is allocated per read) and framed by `Content-Length` (Tether always sends it). It
 * exists because the load generator is a Node process too: with `node:http` each 30 KB response
 * cost it a fresh read buffer and response objects, and its own collections (incremental marking,
 * weak callbacks of 2-6 ms) landed inside the reads it was timing (`--trace` shows this).
 *
 * @packageDocumentation
 */
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const LENGTH_KEY = Buffer.from('content-length:');
/** The largest response this client accepts (a 100-record page is about 30 KB). */
const MAX_RESPONSE = 4 * 1024 * 1024;

/** One response: its status and body; the body is a view valid until the next request. */
export interface RawResponse {
  readonly status: number;
  readonly body: Buffer;
}

/** One keep-alive connection sending GET requests one at a time. */
export class RawHttpClient {
  readonly #host: string;
  readonly #port: number;
  readonly #head: string;
  readonly #acc = Buffer.allocUnsafe(MAX_RESPONSE);
  /** The read buffer `net` fills (`onread`), shared by every connection this client opens. */
  readonly #readBuffer = Buffer.allocUnsafe(64 * 1024);
  #socket: Socket | undefined;
  #len = 0;
  #waiter: { resolve: (r: RawResponse) => void; reject: (e: Error) => void } | undefined;

  private constructor(host: string, port: number) {
    this.#host = host;
    this.#port = port;
    this.#head = `Host: ${host}:${port}\r\nConnection: keep-alive\r\n`;
  }

  /** Connects to `host:port`. */
  static async open(host: string, port: number): Promise<RawHttpClient> {
    const client = new RawHttpClient(host, port);
    await client.ensureOpen();
    return client;
  }

  /**
   * Opens a new connection if the last one was closed: a server may close a keep-alive connection
   * left idle (Tether's keep-alive timeout, while a naive query or a calm wait runs elsewhere).
   * Callers await it outside a timed read, so a reconnection is never timed as a read.
   */
  async ensureOpen(): Promise<void> {
    if (this.#socket !== undefined && !this.#socket.destroyed) return;
    await new Promise<void>((resolve, reject) => {
      const socket = connect({
        host: this.#host,
        port: this.#port,
        noDelay: true,
        onread: {
          buffer: this.#readBuffer,
          callback: (n, buf) => {
            if (socket === this.#socket) this.#received(buf, n);
            return true;
          },
        },
      });
      socket.on('error', (e) => {
        if (socket === this.#socket) this.#fail(e);
      });
      socket.on('close', () => {
        if (socket === this.#socket) this.#fail(new Error('connection closed'));
      });
      socket.once('connect', () => resolve());
      socket.once('error', reject);
      this.#socket = socket;
    });
  }

  /** Sends `GET path` with `headers` (already formatted `Name: value\r\n` lines). */
  get(path: string, headers: string): Promise<RawResponse> {
    if (this.#waiter) return Promise.reject(new Error('one request at a time'));
    // A write to a closed socket only reports to its callback (no 'error' event): say so here, or
    // the request would wait for ever (call ensureOpen first).
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return Promise.reject(new Error('connection closed'));
    this.#len = 0;
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      socket.write(`GET ${path} HTTP/1.1\r\n${this.#head}${headers}\r\n`);
    });
  }

  close(): void {
    this.#socket?.destroy();
  }

  #received(buf: Uint8Array, n: number): void {
    if (this.#len + n > MAX_RESPONSE) {
      this.#fail(new Error('response too large'));
      return;
    }
    this.#acc.set(buf.subarray(0, n), this.#len);
    this.#len += n;
    const acc = this.#acc;
    // The accumulator is reused: bytes past #len are an earlier response's, so a match must lie
    // wholly within what this response has sent so far.
    const end = acc.indexOf(HEADER_END);
    if (end < 0 || end + HEADER_END.length > this.#len) return;
    const bodyStart = end + 4;
    const length = contentLength(acc, end);
    if (length < 0) {
      this.#fail(new Error('response without Content-Length'));
      return;
    }
    if (this.#len < bodyStart + length) return;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    // "HTTP/1.1 200 ": the status is bytes 9-11.
    const status = (acc[9]! - 48) * 100 + (acc[10]! - 48) * 10 + (acc[11]! - 48);
    waiter?.resolve({ status, body: acc.subarray(bodyStart, bodyStart + length) });
  }

  #fail(e: Error): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.reject(e);
  }
}

/** The `Content-Length` value among the header bytes `acc[0, end)` (case-insensitive), or -1. */
function contentLength(acc: Buffer, end: number): number {
  for (let i = 0; i + LENGTH_KEY.length < end; i++) {
    if (acc[i] !== 0x0a) continue; // a header name starts after a line feed
    let j = 0;
    while (j < LENGTH_KEY.length && (acc[i + 1 + j]! | 0x20) === (LENGTH_KEY[j]! | 0x20)) j++;
    if (j < LENGTH_KEY.length) continue;
    let k = i + 1 + j;
    while (acc[k] === 0x20) k++;
    let value = 0;
    while (acc[k]! >= 48 && acc[k]! <= 57) value = value * 10 + (acc[k++]! - 48);
    return value;
  }
  return -1;
}

/** How many times `needle` occurs in `body` (counts records without parsing the JSON). */
export function occurrences(body: Buffer, needle: Buffer): number {
  let count = 0;
  for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) count++;
  return count;
}
