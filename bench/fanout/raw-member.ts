/**
 * A member socket of the fan-out generator: a minimal WebSocket client over `node:net` (RFC 6455,
 * no extensions) whose receive path hands each data frame to a callback as a range of the chunk it
 * arrived in, with no copy, no event and no per-frame object.
 *
 * Why not `ws`: at 600 msg/s × 1,000 members the generator receives 600,000 frames a second on one
 * core, and `ws`'s receiver (a stream per socket, a buffer, an event and a closure per frame) made
 * the generator, not the server, the bound near the ceiling. Here reads land in one shared buffer
 * (`net`'s `onread`), so a read allocates nothing unless it ends inside a frame. This client answers pings (the server
 * closes members that do not), answers and reports closes, masks what it sends as a client must, and
 * joins fragmented messages (rare: the servers here never fragment).
 *
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Called for every complete text or binary message: `data[start, end)` is its payload. */
export type FrameHandler = (data: Buffer, start: number, end: number) => void;

/**
 * The buffer every read of a group of members lands in (`net`'s `onread`: no buffer allocated per
 * read). Shared by all the members of a room: each read is handled at once, and whatever a member
 * must keep past the read (an incomplete frame) is copied out.
 */
export function readBuffer(): Buffer {
  return Buffer.allocUnsafe(256 * 1024);
}

/** One connected member socket. */
export class RawMember {
  /** Every complete message, as a range of a buffer valid only during the call (until it is set, messages are dropped, as `ws` drops them without a listener). */
  onFrame: FrameHandler = () => {};
  /** Called once when the connection ends: the close frame's code and reason, or 1006. */
  onClose: (code: number, reason: string) => void = () => {};
  #socket!: Socket;
  /** The upgrade response read so far; null once upgraded. */
  #head: Buffer | null = Buffer.alloc(0);
  #upgraded: ((err: Error | null) => void) | null = null;
  #accept = '';
  #pending: Buffer | null = null;
  #fragments: Buffer[] = [];
  #closed = false;

  private constructor() {}

  /**
   * Opens `ws://127.0.0.1:<port><path>`, reading into `buffer` (see {@link readBuffer}); rejects on
   * a refused upgrade or after `timeoutMs`.
   */
  static open(port: number, path: string, buffer: Buffer, timeoutMs = 15_000): Promise<RawMember> {
    const member = new RawMember();
    const key = randomBytes(16).toString('base64');
    member.#accept = createHash('sha1')
      .update(key + GUID)
      .digest('base64');
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: '127.0.0.1',
        port,
        onread: {
          buffer,
          callback: (n: number, buf: Uint8Array) => {
            member.#read(buf as Buffer, n);
            return true;
          },
        },
      });
      member.#socket = socket;
      const timer = setTimeout(
        () => done(new Error(`socket open: no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const done = (err: Error | null) => {
        clearTimeout(timer);
        member.#upgraded = null;
        socket.off('error', done);
        if (err) {
          member.#closed = true;
          socket.destroy();
          reject(err);
          return;
        }
        socket.on('error', () => {});
        socket.on('close', () => member.#ended(1006, ''));
        resolve(member);
      };
      member.#upgraded = done;
      socket.on('error', done);
      socket.on('connect', () => {
        socket.setNoDelay(true);
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
  }

  /** One read: `buf[0, n)`, valid only during the call. */
  #read(buf: Buffer, n: number): void {
    if (this.#head === null) {
      this.#data(buf, n);
      return;
    }
    const head = Buffer.concat([this.#head, buf.subarray(0, n)]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      this.#head = head;
      if (head.length > 16_384) this.#upgraded?.(new Error('upgrade: response header too long'));
      return;
    }
    this.#head = null;
    const text = head.subarray(0, end).toString('latin1');
    const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
    const accept = this.#accept.replace(/[+/]/g, '\\$&');
    const error =
      status !== '101'
        ? new Error(`upgrade refused: HTTP ${status ?? '?'}`)
        : !new RegExp(`^sec-websocket-accept: *${accept} *$`, 'im').test(text)
          ? new Error('upgrade: wrong Sec-WebSocket-Accept')
          : null;
    this.#upgraded?.(error);
    if (!error && end + 4 < head.length) this.#data(head.subarray(end + 4), head.length - end - 4);
  }

  /** Sends one text message. */
  send(text: string): void {
    this.#write(0x1, Buffer.from(text));
  }

  /** Closes the connection at once (no close handshake); not reported to {@link onClose}. */
  terminate(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #write(opcode: number, payload: Buffer): void {
    if (this.#closed) return;
    const n = payload.length;
    const headLen = n < 126 ? 2 : n < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headLen + 4 + n);
    frame[0] = 0x80 | opcode;
    if (n < 126) frame[1] = 0x80 | n;
    else if (n < 65_536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(n, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(n), 2);
    }
    // Any 32 bits will do for a benchmark's own server (the mask only protects proxies' caches).
    frame.writeUInt32BE(Math.floor(Math.random() * 0x1_0000_0000), headLen);
    const at = headLen + 4;
    for (let i = 0; i < n; i++) frame[at + i] = payload[i]! ^ frame[headLen + (i & 3)]!;
    this.#socket.write(frame);
  }

  #ended(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.onClose(code, reason);
  }

  /** Frames in `chunk[0, n)` (after what an earlier read left incomplete). */
  #data(chunk: Buffer, n: number): void {
    let data = chunk;
    let size = n;
    if (this.#pending) {
      data = Buffer.concat([this.#pending, chunk.subarray(0, n)]);
      size = data.length;
      this.#pending = null;
    }
    let at = 0;
    while (at + 2 <= size) {
      const b0 = data[at]!;
      let len = data[at + 1]! & 0x7f;
      let start = at + 2;
      if (len === 126) {
        if (start + 2 > size) break;
        len = data.readUInt16BE(start);
        start += 2;
      } else if (len === 127) {
        if (start + 8 > size) break;
        len = Number(data.readBigUInt64BE(start));
        start += 8;
      }
      // Frames from a server are never masked (RFC 6455 5.1).
      const end = start + len;
      if (end > size) break;
      at = end;
      const opcode = b0 & 0x0f;
      const fin = (b0 & 0x80) !== 0;
      if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
        if (fin && this.#fragments.length === 0) {
          this.onFrame(data, start, end);
        } else {
          this.#fragments.push(Buffer.from(data.subarray(start, end)));
          if (fin) {
            const whole = Buffer.concat(this.#fragments);
            this.#fragments = [];
            this.onFrame(whole, 0, whole.length);
          }
        }
      } else if (opcode === 0x9) {
        this.#write(0xa, Buffer.from(data.subarray(start, end)));
      } else if (opcode === 0x8) {
        const code = len >= 2 ? data.readUInt16BE(start) : 1005;
        const reason = len > 2 ? data.toString('utf8', start + 2, end) : '';
        this.#write(0x8, len >= 2 ? Buffer.from(data.subarray(start, start + 2)) : Buffer.alloc(0));
        this.#socket.end();
        this.#closed = true;
        this.onClose(code, reason);
        return;
      }
    }
    if (at < size) this.#pending = Buffer.from(data.subarray(at, size));
  }
}
