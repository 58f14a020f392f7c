/**
 * A byte-level GameMaker client for tests, written from the wire format (not from the server's own
 * framer, so a mistake in one is not mirrored in the other): hello, signature, ack, then 12-byte
 * headers, over raw TCP or inside binary WebSocket messages.
 */
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';

export const HELLO = Buffer.from('GM:Studio-Connect\0', 'latin1');
export const ACK = Buffer.from('adbeafdeebbe0df00c000000', 'hex');

/** The 16-byte client signature: 0xCAFEBABE, 0xDEADB00B, 16, gameId (all u32 LE). */
export function signature(gameId = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0xcafebabe, 0);
  b.writeUInt32LE(0xdeadb00b, 4);
  b.writeUInt32LE(16, 8);
  b.writeInt32LE(gameId, 12);
  return b;
}

/** One GameMaker packet: 0xDEADC0DE, 12, length, payload. */
export function packet(payload: Uint8Array | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const h = Buffer.alloc(12);
  h.writeUInt32LE(0xdeadc0de, 0);
  h.writeUInt32LE(12, 4);
  h.writeUInt32LE(body.length, 8);
  return Buffer.concat([h, body]);
}

/** Accumulates bytes and lets tests await exact amounts. */
class ByteReader {
  #buf = Buffer.alloc(0);
  #waiter: (() => void) | undefined;
  #ended = false;

  push(chunk: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    this.#waiter?.();
  }

  end(): void {
    this.#ended = true;
    this.#waiter?.();
  }

  get available(): number {
    return this.#buf.length;
  }

  async read(n: number): Promise<Buffer> {
    while (this.#buf.length < n) {
      if (this.#ended) throw new Error(`connection ended with ${this.#buf.length}/${n} bytes`);
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
      this.#waiter = undefined;
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }
}

export interface CloseResult {
  code: number;
  reason: string;
}

/** A GameMaker client over TCP or WebSocket. */
export class GmTestClient {
  readonly reader = new ByteReader();
  readonly closed: Promise<CloseResult>;
  readonly #write: (bytes: Buffer) => void;
  readonly #close: () => void;

  private constructor(write: (bytes: Buffer) => void, close: () => void, closed: Promise<CloseResult>) {
    this.#write = write;
    this.#close = close;
    this.closed = closed;
  }

  /**
   * Connects over TCP; with `handshake` (default) completes it before resolving. `preamble` is
   * written as soon as the connection is made (a PROXY protocol header, as a proxy writes it).
   */
  static async tcp(
    port: number,
    opts: { handshake?: boolean; gameId?: number; localAddress?: string; preamble?: Buffer } = {},
  ): Promise<GmTestClient> {
    // Any 127.x.y.z can be the source address on loopback, to play clients from different addresses.
    const socket: Socket = connect({ port, host: '127.0.0.1', localAddress: opts.localAddress });
    let client!: GmTestClient;
    const closed = new Promise<CloseResult>((resolve) => {
      socket.on('close', (hadError) => {
        client.reader.end();
        resolve({ code: hadError ? 1006 : 1000, reason: '' });
      });
    });
    client = new GmTestClient(
      (b) => socket.write(b),
      () => socket.destroy(),
      closed,
    );
    socket.on('data', (chunk: Buffer) => client.reader.push(chunk));
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    if (opts.preamble) socket.write(opts.preamble);
    if (opts.handshake ?? true) await client.handshake(opts.gameId);
    return client;
  }

  /** Connects over WebSocket (`ws://127.0.0.1:<port><path>`); handshake as for TCP. */
  static async ws(
    url: string,
    opts: { handshake?: boolean; gameId?: number; localAddress?: string } = {},
  ): Promise<GmTestClient> {
    const ws = new WebSocket(url, opts.localAddress ? { localAddress: opts.localAddress } : {});
    let client!: GmTestClient;
    const closed = new Promise<CloseResult>((resolve) => {
      ws.on('close', (code, reason) => {
        client.reader.end();
        resolve({ code, reason: reason.toString() });
      });
    });
    client = new GmTestClient(
      (b) => ws.send(b),
      () => ws.terminate(),
      closed,
    );
    ws.on('message', (data: Buffer) => client.reader.push(data));
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    if (opts.handshake ?? true) await client.handshake(opts.gameId);
    return client;
  }

  /** Reads the hello, sends the signature, reads the ack (throws on any mismatch). */
  async handshake(gameId = 0): Promise<void> {
    const hello = await this.reader.read(18);
    if (!hello.equals(HELLO)) throw new Error(`bad hello ${hello.toString('hex')}`);
    this.#write(signature(gameId));
    const ack = await this.reader.read(12);
    if (!ack.equals(ACK)) throw new Error(`bad ack ${ack.toString('hex')}`);
  }

  /** Sends one framed packet. */
  send(payload: Uint8Array | string): void {
    this.#write(packet(payload));
  }

  /** Sends bytes as they are (one WebSocket message on ws). */
  sendRaw(bytes: Uint8Array): void {
    this.#write(Buffer.from(bytes));
  }

  /** The next packet's payload. */
  async next(): Promise<Buffer> {
    const header = await this.reader.read(12);
    if (header.readUInt32LE(0) !== 0xdeadc0de || header.readUInt32LE(4) !== 12) {
      throw new Error(`bad packet header ${header.toString('hex')}`);
    }
    return this.reader.read(header.readUInt32LE(8));
  }

  /** The next packet parsed as JSON. */
  async nextJson(): Promise<unknown> {
    return JSON.parse((await this.next()).toString('utf8'));
  }

  /** Drops the connection. */
  destroy(): void {
    this.#close();
  }
}
