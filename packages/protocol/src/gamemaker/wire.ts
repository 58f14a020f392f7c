/**
 * GameMaker "non-raw" wire constants and encoders (the bytes behind `network_connect` and
 * `network_send_packet`). All integers are u32 little-endian.
 *
 * ```
 * hello      server -> client  "GM:Studio-Connect\0"                    18 bytes
 * signature  client -> server  CAFEBABE DEADB00B 00000010 <gameId s32>  16 bytes
 * ack        server -> client  DEAFBEAD F00DBEEB 0000000C               12 bytes
 * packet     both directions   DEADC0DE 0000000C <len u32> <payload>    12 + len bytes
 * ```
 *
 * @packageDocumentation
 */

/** The server greeting, `"GM:Studio-Connect"` plus a NUL (18 bytes). Shared: do not mutate. */
export const GM_HELLO: Uint8Array = new Uint8Array([
  0x47, 0x4d, 0x3a, 0x53, 0x74, 0x75, 0x64, 0x69, 0x6f, 0x2d, 0x43, 0x6f, 0x6e, 0x6e, 0x65, 0x63, 0x74, 0x00,
]);
/** First u32 of the client signature. */
export const GM_CLIENT_MAGIC_1 = 0xcafebabe;
/** Second u32 of the client signature. */
export const GM_CLIENT_MAGIC_2 = 0xdeadb00b;
/** First u32 of the server ack. */
export const GM_SERVER_MAGIC_1 = 0xdeafbead;
/** Second u32 of the server ack. */
export const GM_SERVER_MAGIC_2 = 0xf00dbeeb;
/** First u32 of every data packet header. */
export const GM_PACKET_MAGIC = 0xdeadc0de;
/** Size of a data packet header, also written as its second u32. */
export const GM_HEADER_SIZE = 12;
/**
 * GameMaker's own incoming message limit for sockets accepted by a server (4 MiB); a good default
 * for our server side too, since no GameMaker client can expect a bigger message to be accepted.
 */
export const GM_DEFAULT_MAX_PAYLOAD = 4 * 1024 * 1024;

/** Byte length of the client signature (its third u32 says so too). */
export const GM_SIGNATURE_SIZE = 16;
/** Byte length of the server ack (its third u32 says so too). */
export const GM_ACK_SIZE = 12;

/** Largest payload length the u32 length field can express. */
const MAX_U32 = 0xffffffff;

/**
 * Frames one payload: the 12-byte header followed by a copy of `payload`.
 * No size limit is applied here: the receiver enforces its own (`maxPayload`).
 */
export function encodeGmPacket(payload: Uint8Array): Uint8Array {
  if (payload.length > MAX_U32) throw new RangeError('payload does not fit the u32 length field');
  const out = new Uint8Array(GM_HEADER_SIZE + payload.length);
  // Header bytes written directly: a DataView per packet cost ~9x more than these stores (bench/echo.ts).
  const n = payload.length;
  out[0] = 0xde;
  out[1] = 0xc0;
  out[2] = 0xad;
  out[3] = 0xde;
  out[4] = GM_HEADER_SIZE;
  out[8] = n & 0xff;
  out[9] = (n >>> 8) & 0xff;
  out[10] = (n >>> 16) & 0xff;
  out[11] = (n >>> 24) & 0xff;
  out.set(payload, GM_HEADER_SIZE);
  return out;
}

/**
 * The 16-byte client signature. Servers only check the first 12 bytes and read the last u32 as a
 * signed game id; the HTML5 runtime sends 0 there.
 *
 * @param gameId - an integer in [-2^31, 2^32); values of 2^31 and above are stored as their
 *   two's-complement bit pattern, so the server reads them back negative
 * @throws RangeError for a non-integer or out-of-range id (a programming error, not a protocol one)
 */
export function encodeClientSignature(gameId = 0): Uint8Array {
  assertGameId(gameId);
  const out = new Uint8Array(GM_SIGNATURE_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, GM_CLIENT_MAGIC_1, true);
  view.setUint32(4, GM_CLIENT_MAGIC_2, true);
  view.setUint32(8, GM_SIGNATURE_SIZE, true);
  view.setUint32(12, gameId >>> 0, true);
  return out;
}

/** The 12-byte server ack that completes the handshake. A fresh array each call. */
export function encodeServerAck(): Uint8Array {
  const out = new Uint8Array(GM_ACK_SIZE);
  const view = new DataView(out.buffer);
  view.setUint32(0, GM_SERVER_MAGIC_1, true);
  view.setUint32(4, GM_SERVER_MAGIC_2, true);
  view.setUint32(8, GM_ACK_SIZE, true);
  return out;
}

/** Throws a RangeError unless `gameId` fits the signature's 32-bit field. */
export function assertGameId(gameId: number): void {
  if (!Number.isInteger(gameId) || gameId < -0x80000000 || gameId > MAX_U32) {
    throw new RangeError(`gameId must be a 32-bit integer, got ${String(gameId)}`);
  }
}

/** Throws a RangeError unless `maxPayload` is a valid u32 byte count. */
export function assertMaxPayload(maxPayload: number): void {
  if (!Number.isInteger(maxPayload) || maxPayload < 0 || maxPayload > MAX_U32) {
    throw new RangeError(`maxPayload must be an integer from 0 to ${MAX_U32}, got ${String(maxPayload)}`);
  }
}

/** Reads a little-endian u32 from plain bytes (no DataView allocation on the hot path). */
export function readU32LE(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset]! | (bytes[offset + 1]! << 8) | (bytes[offset + 2]! << 16) | (bytes[offset + 3]! << 24)) >>>
    0
  );
}
