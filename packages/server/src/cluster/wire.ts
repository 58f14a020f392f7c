/**
 * What crosses the cluster bus: the message schema (version 1) and the binary frame that carries a
 * batch of messages from one node. Pure: no I/O.
 *
 * A frame is
 * ```
 * u8  version (1)
 * u8  length of the sender's node name, then the name (ASCII)
 * u8  length of the sender's incarnation id, then the id (ASCII)
 * u32 length of the header, then the header: the messages as a JSON array
 * u32 number of payloads, then each payload as u32 length + bytes
 * ```
 * The sender comes first, in binary, so a receiver can drop its own frames (a node receives what it
 * publishes to every node) and gate frames of unknown nodes without parsing JSON. Payloads are the
 * already-encoded envelopes being delivered: they travel as bytes, never escaped inside JSON.
 *
 * @packageDocumentation
 */
import { z } from 'zod';

/** The frame format this node writes and reads. A frame of another version is dropped and counted. */
export const WIRE_VERSION = 1;

/** Largest frame header (the JSON of its messages), in bytes; larger frames are refused. */
export const MAX_HEADER_BYTES = 64 * 1024 * 1024;
/** Most messages in one frame. */
export const MAX_FRAME_MESSAGES = 100_000;

const nodeName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const method = z.string().min(1).max(64);
const sessionId = z.string().min(1).max(64);
const envelopeType = z.string().min(1).max(64);

/** A failure as it travels back from a remote call: the fields of a `DomainError`. */
export const WireError = z.object({
  kind: z.string().max(32),
  message: z.string().max(4096),
  socketCode: z.number().int().optional(),
  context: z.record(z.string(), z.string()).optional(),
});
/** A failure of a remote call. */
export type WireError = z.infer<typeof WireError>;

/**
 * Every bus message (version 1). Bodies of calls, casts and deltas are validated by whoever handles
 * them (each method and each replicated table has its own schema).
 */
export const BusMessage = z.discriminatedUnion('t', [
  /** A node has started: receivers check it against the directory and load its state. */
  z.object({ t: z.literal('hello') }),
  /** A node is shutting down cleanly: receivers drop it at once instead of waiting for its heartbeat. */
  z.object({ t: z.literal('bye') }),
  /** The sender's sequence number, every heartbeat: a receiver behind it missed changes. */
  z.object({ t: z.literal('beat'), q: count }),
  /** A change to one of the sender's replicated tables, with the sender's sequence number. */
  z.object({ t: z.literal('delta'), q: count, tb: method, d: z.unknown() }),
  /** A request to a method of the receiving node; answered with `ret` of the same id. */
  z.object({ t: z.literal('call'), id: count, m: method, b: z.unknown() }),
  /** The answer to a `call`: a body, or an error. */
  z.object({
    t: z.literal('ret'),
    id: count,
    ok: z.boolean(),
    b: z.unknown().optional(),
    e: WireError.optional(),
  }),
  /** A one-way message to a method of the receiving node(s). */
  z.object({ t: z.literal('cast'), m: method, b: z.unknown() }),
  /**
   * Deliver payload `p` (an envelope of type `y`, as metrics count it) to the receiver's members of
   * stream `s` (a stream id), except session `x`.
   */
  z.object({
    t: z.literal('ds'),
    s: z.string().min(3).max(4096),
    x: sessionId.optional(),
    y: envelopeType,
    p: count,
  }),
  /** Deliver payload `p` (an envelope of type `y`) to these sessions of the receiver. */
  z.object({ t: z.literal('dp'), ss: z.array(sessionId).max(100_000), y: envelopeType, p: count }),
]);
/** One bus message. */
export type BusMessage = z.infer<typeof BusMessage>;

const Header = z.array(BusMessage).max(MAX_FRAME_MESSAGES);

/** The sender of a frame. */
export interface FrameSender {
  readonly node: string;
  /** Random id of the sender's process: a restarted node has a new one. */
  readonly incarnation: string;
}

/** A frame read and validated. */
export interface DecodedFrame extends FrameSender {
  readonly messages: readonly BusMessage[];
  readonly payloads: readonly Uint8Array[];
}

/** Why a frame was refused (counted by reason). */
export type FrameRefusal = 'version' | 'malformed' | 'schema';

/** A refused frame: the reason, and the sender when it could be read. */
export interface RefusedFrame {
  readonly refused: FrameRefusal;
  readonly detail: string;
  readonly sender?: FrameSender;
}

/** Encodes one frame. `messages` refer to `payloads` by index (`p`). */
export function encodeFrame(
  sender: FrameSender,
  messages: readonly BusMessage[],
  payloads: readonly Uint8Array[],
): Buffer {
  const node = Buffer.from(sender.node, 'latin1');
  const inc = Buffer.from(sender.incarnation, 'latin1');
  const header = Buffer.from(JSON.stringify(messages), 'utf8');
  let size = 1 + 1 + node.length + 1 + inc.length + 4 + header.length + 4;
  for (const p of payloads) size += 4 + p.byteLength;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  out[at++] = WIRE_VERSION;
  out[at++] = node.length;
  at += node.copy(out, at);
  out[at++] = inc.length;
  at += inc.copy(out, at);
  out.writeUInt32LE(header.length, at);
  at += 4;
  at += header.copy(out, at);
  out.writeUInt32LE(payloads.length, at);
  at += 4;
  for (const p of payloads) {
    out.writeUInt32LE(p.byteLength, at);
    at += 4;
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Reads the sender of a frame without decoding the rest (to drop one's own frames and gate unknown
 * nodes cheaply). Returns undefined when the frame is too short or of another version.
 */
export function peekSender(frame: Uint8Array): FrameSender | undefined {
  if (frame.length < 3 || frame[0] !== WIRE_VERSION) return undefined;
  const buf = asBuffer(frame);
  const nodeLen = buf[1]!;
  const incAt = 2 + nodeLen;
  if (buf.length < incAt + 1) return undefined;
  const incLen = buf[incAt]!;
  if (buf.length < incAt + 1 + incLen) return undefined;
  return {
    node: buf.toString('latin1', 2, incAt),
    incarnation: buf.toString('latin1', incAt + 1, incAt + 1 + incLen),
  };
}

/** Decodes and validates a frame; never throws. Payloads are views into `frame` (no copy). */
export function decodeFrame(frame: Uint8Array): DecodedFrame | RefusedFrame {
  if (frame.length < 1 || frame[0] !== WIRE_VERSION) {
    return {
      refused: 'version',
      detail: `frame version ${frame[0] ?? 'none'}, this node reads ${WIRE_VERSION}`,
    };
  }
  const sender = peekSender(frame);
  if (!sender) return { refused: 'malformed', detail: 'truncated sender' };
  if (!nodeName.safeParse(sender.node).success || !nodeName.safeParse(sender.incarnation).success) {
    return { refused: 'malformed', detail: 'bad sender name or incarnation' };
  }
  const buf = asBuffer(frame);
  let at = 2 + sender.node.length + 1 + sender.incarnation.length;
  const fail = (detail: string): RefusedFrame => ({ refused: 'malformed', detail, sender });
  if (buf.length < at + 4) return fail('truncated header length');
  const headerLen = buf.readUInt32LE(at);
  at += 4;
  if (headerLen > MAX_HEADER_BYTES || buf.length < at + headerLen + 4) return fail('bad header length');
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8', at, at + headerLen));
  } catch {
    return fail('header is not JSON');
  }
  at += headerLen;
  const parsed = Header.safeParse(json);
  if (!parsed.success) {
    return { refused: 'schema', detail: parsed.error.issues[0]?.message ?? 'invalid', sender };
  }
  const payloadCount = buf.readUInt32LE(at);
  at += 4;
  if (payloadCount > MAX_FRAME_MESSAGES) return fail('too many payloads');
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < payloadCount; i++) {
    if (buf.length < at + 4) return fail('truncated payload length');
    const len = buf.readUInt32LE(at);
    at += 4;
    if (buf.length < at + len) return fail('truncated payload');
    payloads.push(buf.subarray(at, at + len));
    at += len;
  }
  if (at !== buf.length) return fail('trailing bytes');
  for (const m of parsed.data) {
    if ((m.t === 'ds' || m.t === 'dp') && m.p >= payloads.length) return fail('payload index out of range');
  }
  return { ...sender, messages: parsed.data, payloads };
}

function asBuffer(frame: Uint8Array): Buffer {
  return Buffer.isBuffer(frame) ? frame : Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
}
