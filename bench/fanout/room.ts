/**
 * The load generator's view of one chat room: its member sockets (minimal WebSocket clients,
 * `raw-member.ts`), how it sends a stamped message, and the accounting of deliveries, all on the
 * generator's clock.
 *
 * Cheap by design, since the generator shares a 2-core machine with the server: a delivery is never
 * decoded as JSON nor copied out of the chunk it arrived in. The send stamp (integer µs of
 * `performance.now()`) is found with `Buffer.indexOf` of a marker within the frame's range and read
 * digit by digit, and the frames sent are strings built from a prefix and a suffix prepared once per
 * room.
 *
 * @packageDocumentation
 */
import { LatencyHistogram } from './histogram.ts';
import type { RawMember } from './raw-member.ts';

/** The room every member joins (Tether: channel `2...fanout`). */
export const ROOM_NAME = 'fanout';

/** Whether `marker` is in `data` at `at`, wholly before `end` (a byte loop: no buffer object). */
function matchesAt(data: Buffer, at: number, end: number, marker: Buffer): boolean {
  if (at + marker.length > end) return false;
  for (let i = 0; i < marker.length; i++) if (data[at + i] !== marker[i]) return false;
  return true;
}

/** Wire dialect of a room: Nakama envelopes (Tether) or the floor's bare stamped text. */
export type Dialect = 'tether' | 'floor';

/** Time on the generator's clock, integer microseconds. */
export function nowUs(): number {
  return Math.floor(performance.now() * 1000);
}

/** Why a member socket closed while the room was in use. */
export interface Disconnect {
  readonly member: number;
  readonly code: number;
  readonly reason: string;
}

/** Delivery counts and latencies of one measured window. */
export interface WindowCounts {
  /** Messages sent with a stamp inside the window. */
  readonly sent: number;
  /** Deliveries of those messages received so far (each member counts once per message). */
  readonly delivered: number;
  /** Deliveries of any message received while the window was open (for deliveries per second). */
  readonly receivedInWindow: number;
  readonly latency: LatencyHistogram;
}

/**
 * One room of members on one server. Members are added by the setup code
 * ({@link Room.adopt}); every message carrying a stamp is counted as a delivery, anything else goes
 * to {@link Room.onOther} (join replies, acks, presence events, errors).
 */
export class Room {
  readonly dialect: Dialect;
  /** Member sockets in join order; the first `senders` of them send. */
  readonly members: RawMember[] = [];
  /** Members closed while the room was in use (a server closing slow consumers shows up here). */
  readonly disconnects: Disconnect[] = [];
  /** Every stamped delivery ever received (monotonic; CPU per delivery uses its differences). */
  arrived = 0;
  /** Size in bytes of the last stamped delivery seen (what each member receives per message). */
  deliveryBytes = 0;
  /** Error envelopes received (rate limits, refused sends). */
  errors = 0;
  /** Called for every message without a stamp, with the member's index. */
  onOther: ((member: number, data: Buffer) => void) | null = null;
  readonly #marker: Buffer;
  readonly #prefix: string;
  readonly #suffix: string;
  readonly #latency = new LatencyHistogram();
  #winFrom = Number.POSITIVE_INFINITY;
  #winTo = Number.POSITIVE_INFINITY;
  #sent = 0;
  #delivered = 0;
  #receivedInWindow = 0;
  #cid = 0;
  #closing = false;
  /** Offset of the marker in the last delivery. */
  #markerAt = 0;

  /**
   * @param dialect - `tether`: `channel_message_send` envelopes, the stamp inside the escaped
   *   `content` text; `floor`: `{"t":<stamp>,"p":"<padding>"}` sent as is
   * @param floorBytes - size the floor's messages are padded to (the size of a Tether delivery)
   */
  constructor(dialect: Dialect, floorBytes = 0) {
    this.dialect = dialect;
    if (dialect === 'tether') {
      // The delivered envelope carries content as JSON text: {"channel_message":{…"content":"{\"t\":123}"…}}
      this.#marker = Buffer.from('{\\"t\\":');
      this.#prefix = `"channel_message_send":{"channel_id":"2...${ROOM_NAME}","content":"{\\"t\\":`;
      this.#suffix = '}"}}';
    } else {
      this.#marker = Buffer.from('{"t":');
      this.#prefix = '{"t":';
      // 12 stamp columns (digits, then spaces: valid JSON) + the padding field make every floor
      // message floorBytes long.
      const fixed = this.#prefix.length + 12 + ',"p":""}'.length;
      this.#suffix = `,"p":"${'x'.repeat(Math.max(0, floorBytes - fixed))}"}`;
    }
  }

  /** Takes a connected member socket: its messages are counted from now on. */
  adopt(ws: RawMember): number {
    const index = this.members.length;
    this.members.push(ws);
    ws.onFrame = (data, start, end) => this.#receive(index, data, start, end);
    ws.onClose = (code, reason) => {
      if (!this.#closing) this.disconnects.push({ member: index, code, reason });
    };
    return index;
  }

  /** Sends one stamped message from member `index`; returns the stamp. */
  send(index: number): number {
    const t = nowUs();
    const ws = this.members[index]!;
    if (this.dialect === 'tether') {
      ws.send(`{"cid":"${++this.#cid}",${this.#prefix}${t}${this.#suffix}`);
    } else {
      ws.send(`${this.#prefix}${String(t).padEnd(12, ' ')}${this.#suffix}`);
    }
    if (t >= this.#winFrom && t < this.#winTo) this.#sent++;
    return t;
  }

  /**
   * Starts accounting a window `[fromUs, toUs)` on the generator's clock: latencies and delivery
   * counts cover messages stamped inside it; the received count covers receipts inside it.
   */
  openWindow(fromUs: number, toUs: number): void {
    this.#latency.reset();
    this.#winFrom = fromUs;
    this.#winTo = toUs;
    this.#sent = 0;
    this.#delivered = 0;
    this.#receivedInWindow = 0;
  }

  /** The counts of the current window so far. */
  counts(): WindowCounts {
    return {
      sent: this.#sent,
      delivered: this.#delivered,
      receivedInWindow: this.#receivedInWindow,
      latency: this.#latency,
    };
  }

  /** Closes every member (not counted as disconnects). */
  close(): void {
    this.#closing = true;
    for (const ws of this.members) ws.terminate();
  }

  /** One message of member `index`: `data[start, end)`. */
  #receive(index: number, data: Buffer, start: number, end: number): void {
    const marker = this.#marker;
    // Where the marker was in the last delivery: deliveries of one room differ only in their ids'
    // and times' digits, so it is nearly always there again, checked without a search.
    let at = start + this.#markerAt;
    if (!matchesAt(data, at, end, marker)) {
      // Bounded by the frame: a marker found past `end` is the next frame's (or stale bytes).
      at = data.indexOf(marker, start);
    }
    if (at < 0 || at + marker.length > end) {
      const frame = data.subarray(start, end);
      // Errors are rare and small: a cheap check, no parse.
      if (frame.indexOf('"error"') >= 0) this.errors++;
      this.onOther?.(index, frame);
      return;
    }
    const now = performance.now() * 1000;
    let t = 0;
    for (let i = at + marker.length; i < end; i++) {
      const c = data[i]!;
      if (c < 48 || c > 57) break;
      t = t * 10 + (c - 48);
    }
    this.#markerAt = at - start;
    this.arrived++;
    this.deliveryBytes = end - start;
    if (now >= this.#winFrom && now < this.#winTo) this.#receivedInWindow++;
    if (t >= this.#winFrom && t < this.#winTo) {
      this.#delivered++;
      this.#latency.record(now - t);
    }
  }
}
