/**
 * A member socket of the fan-out generator: a minimal WebSocket client over `node:net` (RFC 6455,
 * no extensions) whose receive path hands each data frame to a callback as a range of the chunk it
 * arrived in, with no copy, no event and no per-frame object.
 *
 * Why not `ws`: at 600 msg/s × 1,000 members the generator receives 600,000 frames a second on one
 * core, and `ws`'s receiver (a stream per socket, a buffer, an event and a closure per frame) made
 * the generator, not the server, the bound near the ceiling. This client answers pings (the server
 * closes members that do not), answers and reports closes, masks what it sends as a client must, and
 * joins fragmented messages (rare: the servers here never fragment).
 *
 * @packageDocumentation
 */
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import { connect, type Socket } from 'node:net';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Called for every complete text or binary message: `data[start, end)` is its payload. */
export type FrameHandler = (data: Buffer, start: number, end: number) => void;

/** One connected member socket. */
export class RawMember {
  /** Every complete message, as a range of a buffer valid only during the call. */
  onFrame: FrameHandler = () => {};
  /** Called once when the connection ends: the close frame's code and reason, or 1006. */
  onClose: (code: number, reason: string) => void = () => {};
  readonly #socket: Socket;
  readonly #mask = Buffer.alloc(4);
  #pending: Buffer | null = null;
  #fragments: Buffer[] = [];
  #closed = false;

  private constructor(socket: Socket, rest: Buffer) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('close', () => this.#ended(1006, ''));
    socket.on('error', () => {});
    if (rest.length > 0) this.#data(rest);
  }

  /** Opens `ws://127.0.0.1:<port><path>`; rejects on a refused upgrade or after `timeoutMs`. */
  static open(port: number, path: string, timeoutMs = 15_000): Promise<RawMember> {
    return new Promise((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const accept = createHash('sha1')
        .update(key + GUID)
        .digest('base64');
      const socket = connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`socket open: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      let head = Buffer.alloc(0);
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > 16_384) fail(new Error('upgrade: response header too long'));
          return;
        }
        socket.off('data', onData);
        socket.off('error', fail);
        clearTimeout(timer);
        const text = head.subarray(0, end).toString('latin1');
        const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1];
        if (status !== '101') return fail(new Error(`upgrade refused: HTTP ${status ?? '?'}`));
        if (!new RegExp(`^sec-websocket-accept: *${accept.replace(/[+/]/g, '\\$&')} *$`, 'im').test(text)) {
          return fail(new Error('upgrade: wrong Sec-WebSocket-Accept'));
        }
        resolve(new RawMember(socket, head.subarray(end + 4)));
      };
      socket.on('data', onData);
      socket.on('error', fail);
      socket.on('connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
    });
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
    randomFillSync(this.#mask);
    this.#mask.copy(frame, headLen);
    const at = headLen + 4;
    for (let i = 0; i < n; i++) frame[at + i] = payload[i]! ^ this.#mask[i & 3]!;
    this.#socket.write(frame);
  }

  #ended(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.onClose(code, reason);
  }

  #data(chunk: Buffer): void {
    let data = chunk;
    if (this.#pending) {
      data = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    let at = 0;
    const size = data.length;
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
    if (at < size) this.#pending = Buffer.from(data.subarray(at));
  }
}
