/**
 * A minimal WebSocket client over `node:net` for the load generator: the HTTP upgrade, client frames
 * built once (masked with the all-zero key, which RFC 6455 allows and which leaves the payload as
 * it is, so a frame can be prepared ahead and patched in place), and a frame parser that hands each
 * complete server frame to a callback as a view of the bytes read. Every socket reads into one
 * shared buffer (`onread`), so receiving allocates nothing unless a frame straddles two reads.
 *
 * This is deliberately not a general client: no fragmentation, no extensions, frames under 4 GiB.
 *
 * @packageDocumentation
 */
import { connect, type Socket } from 'node:net';

/** WebSocket opcodes used here. */
export const Opcode = { text: 1, binary: 2, close: 8, ping: 9, pong: 10 } as const;

/** Receives each complete frame: opcode and payload bytes `buf[start, end)` (valid only during the call). */
export type FrameHandler = (opcode: number, buf: Buffer, start: number, end: number) => void;

/** One read buffer shared by every socket of the process (reads are handled one at a time). */
const sharedReadBuffer = Buffer.allocUnsafe(256 * 1024);
/** Longest upgrade response accepted. */
const MAX_HANDSHAKE_BYTES = 16 * 1024;
/** Any valid key will do: the generator does not check `Sec-WebSocket-Accept`. */
const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

/**
 * A client frame (FIN, masked with the zero key) carrying `payload`; `headerLength(payload.length)`
 * bytes of header precede the payload, so a caller can patch payload bytes at a known offset.
 */
export function clientFrame(opcode: number, payload: Buffer): Buffer {
  const hdr = headerLength(payload.length);
  const frame = Buffer.alloc(hdr + payload.length);
  frame[0] = 0x80 | opcode;
  if (payload.length < 126) {
    frame[1] = 0x80 | payload.length;
  } else if (payload.length < 65536) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(payload.length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(payload.length, 6);
  }
  // The 4 mask-key bytes stay zero.
  payload.copy(frame, hdr);
  return frame;
}

/** Header length (mask key included) of a client frame with `n` payload bytes. */
export function headerLength(n: number): number {
  return (n < 126 ? 2 : n < 65536 ? 4 : 10) + 4;
}

/** A client text frame of `text`. */
export function textFrame(text: string): Buffer {
  return clientFrame(Opcode.text, Buffer.from(text, 'utf8'));
}

/** A raw WebSocket connection of the load generator. */
export class RawWebSocket {
  readonly #socket: Socket;
  #onFrame: FrameHandler | null = null;
  /** Frames that arrived before a handler was set (e.g. in the same read as the 101 response). */
  #early: Array<[number, Buffer]> = [];
  #onClose: (() => void) | null = null;
  /** Bytes of an incomplete frame (or of the upgrade response) carried over to the next read. */
  #pending: Buffer | null = null;
  #open = false;
  #closed = false;
  /** Protocol pings received (and answered) by every socket of this process. */
  static pingsReceived = 0;

  private constructor(socket: Socket) {
    this.#socket = socket;
  }

  /**
   * Connects to `ws://host:port{path}` and resolves once the server answered 101; rejects with the
   * status line (and the start of the body) otherwise, or after `timeoutMs`. `localAddress` picks
   * the source address (any 127.x.y.z on loopback), so many sockets do not exhaust the ephemeral
   * ports of one address.
   */
  static connect(
    host: string,
    port: number,
    path: string,
    timeoutMs = 10_000,
    localAddress?: string,
  ): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      let ws: RawWebSocket | null = null;
      const timer = setTimeout(() => fail(new Error(`upgrade of ${path} timed out`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const socket = connect({
        host,
        port,
        ...(localAddress === undefined ? {} : { localAddress }),
        noDelay: true,
        onread: {
          buffer: sharedReadBuffer,
          callback: (n: number, buf: Uint8Array) => {
            const w = ws as RawWebSocket;
            if (w.#open) {
              w.#feed(buf as Buffer, n);
              return true;
            }
            const status = w.#handshake(buf as Buffer, n);
            if (status === 'wait') return true;
            clearTimeout(timer);
            if (status === 'ok') resolve(w);
            else fail(new Error(status));
            return true;
          },
        },
      });
      ws = new RawWebSocket(socket);
      socket.on('error', (err) => {
        if (!(ws as RawWebSocket).#open) fail(err);
      });
      socket.on('close', () => {
        const w = ws as RawWebSocket;
        if (!w.#open) fail(new Error(`connection closed during upgrade of ${path}`));
        w.#closed = true;
        w.#onClose?.();
      });
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${WS_KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
  }

  /** True once the socket closed (by either side). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes queued in the socket but not yet handed to the kernel. */
  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  /** Sets the frame handler (replacing the previous one); frames received before it are replayed. */
  onFrame(handler: FrameHandler): void {
    this.#onFrame = handler;
    const early = this.#early;
    this.#early = [];
    for (const [opcode, payload] of early) handler(opcode, payload, 0, payload.length);
  }

  /** Sets the callback for when the connection closes. */
  onClose(handler: () => void): void {
    this.#onClose = handler;
  }

  /** Writes one prepared client frame (it must not be modified afterwards). */
  send(frame: Buffer): void {
    if (!this.#closed) this.#socket.write(frame);
  }

  /** Sends a close frame and ends the connection; destroys it if it is still open after a second. */
  close(): void {
    if (this.#closed) return;
    this.#socket.end(clientFrame(Opcode.close, Buffer.from([0x03, 0xe8])));
    setTimeout(() => this.#socket.destroy(), 1000).unref();
  }

  /** Ends the connection at once, without a close frame. */
  destroy(): void {
    this.#socket.destroy();
  }

  /** Consumes upgrade-response bytes: 'wait' for more, 'ok' when switched, else an error message. */
  #handshake(buf: Buffer, n: number): string {
    const data = this.#pending
      ? Buffer.concat([this.#pending, buf.subarray(0, n)])
      : Buffer.from(buf.subarray(0, n));
    const end = data.indexOf('\r\n\r\n');
    if (end < 0) {
      this.#pending = data;
      return data.length > MAX_HANDSHAKE_BYTES ? 'upgrade response too long' : 'wait';
    }
    this.#pending = null;
    const head = data.toString('latin1', 0, end);
    if (!head.startsWith('HTTP/1.1 101')) {
      return `upgrade refused: ${head.split('\r\n')[0]} ${data.toString('utf8', end + 4, end + 204)}`;
    }
    this.#open = true;
    if (data.length > end + 4) this.#feed(data.subarray(end + 4), data.length - end - 4);
    return 'ok';
  }

  /** Parses `buf[0, n)` (after any carried-over bytes) into frames. */
  #feed(input: Buffer, n: number): void {
    let buf = input;
    let end = n;
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, input.subarray(0, n)]);
      end = buf.length;
      this.#pending = null;
    }
    let i = 0;
    while (end - i >= 2) {
      const b1 = buf[i + 1] as number;
      let len = b1 & 0x7f;
      let hdr = 2;
      if (len === 126) {
        if (end - i < 4) break;
        len = buf.readUInt16BE(i + 2);
        hdr = 4;
      } else if (len === 127) {
        if (end - i < 10) break;
        len = buf.readUInt32BE(i + 6);
        hdr = 10;
      }
      if (b1 & 0x80) hdr += 4; // servers do not mask; tolerate it without unmasking
      if (end - i < hdr + len) break;
      const opcode = (buf[i] as number) & 0x0f;
      const start = i + hdr;
      i = start + len;
      if (opcode === Opcode.ping) {
        RawWebSocket.pingsReceived++;
        this.send(clientFrame(Opcode.pong, Buffer.from(buf.subarray(start, i))));
      } else if (opcode === Opcode.close) this.close();
      else if (this.#onFrame) this.#onFrame(opcode, buf, start, i);
      else if (this.#early.length < 64) this.#early.push([opcode, Buffer.from(buf.subarray(start, i))]);
    }
    if (i < end) this.#pending = Buffer.from(buf.subarray(i, end));
  }
}
