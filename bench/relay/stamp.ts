/**
 * The relayed payload and its send timestamp. Every message is the same 48 bytes: a float64
 * (little-endian) send time in milliseconds (`performance.timeOrigin + performance.now()`), then 40
 * filler bytes. Binary carriers (plain `ws`, Colyseus) carry those bytes; text carriers (Socket.IO,
 * Tether's envelope) carry their standard base64, 64 characters, where only the first 12 characters
 * (bytes 0–8) change from one message to the next. Senders patch the stamp into a prepared frame and
 * receivers read it back in place, so neither side encodes or parses a whole message.
 *
 * @packageDocumentation
 */

/** Bytes of the relayed payload. */
export const PAYLOAD_BYTES = 48;

const FILLER = 'relay-bench-payload:8-players@20Hz';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = Buffer.from(ALPHABET, 'latin1');
const DECODE = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const scratch = Buffer.alloc(9);

/** The current time in ms since the epoch, comparable across processes of one machine. */
export function stampNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A payload with a zero stamp (bytes 8–47 are the fixed filler). */
export function payloadTemplate(): Buffer {
  const p = Buffer.alloc(PAYLOAD_BYTES, 0x2e);
  p.write(FILLER, 8, 'latin1');
  return p;
}

/** The base64 text (64 characters) of {@link payloadTemplate}. */
export function payloadBase64(): string {
  return payloadTemplate().toString('base64');
}

/** Writes `ms` as the stamp of a binary payload starting at `buf[offset]`. */
export function writeStamp(buf: Buffer, offset: number, ms: number): void {
  buf.writeDoubleLE(ms, offset);
}

/** Reads the stamp of a binary payload starting at `buf[offset]`. */
export function readStamp(buf: Buffer, offset: number): number {
  return buf.readDoubleLE(offset);
}

/**
 * Writes `ms` into base64 text of the payload starting at `buf[offset]`: the 12 characters that
 * encode payload bytes 0–8 (the stamp and the first filler byte, which is kept).
 */
export function writeStampBase64(buf: Buffer, offset: number, ms: number): void {
  scratch.writeDoubleLE(ms, 0);
  scratch[8] = 0x2e;
  for (let g = 0; g < 3; g++) {
    const b0 = scratch[g * 3] as number;
    const b1 = scratch[g * 3 + 1] as number;
    const b2 = scratch[g * 3 + 2] as number;
    const o = offset + g * 4;
    buf[o] = ENCODE[b0 >> 2] as number;
    buf[o + 1] = ENCODE[((b0 & 3) << 4) | (b1 >> 4)] as number;
    buf[o + 2] = ENCODE[((b1 & 15) << 2) | (b2 >> 6)] as number;
    buf[o + 3] = ENCODE[b2 & 63] as number;
  }
}

/** Reads the stamp from base64 text of the payload starting at `buf[offset]`; NaN if not base64. */
export function readStampBase64(buf: Buffer, offset: number): number {
  if (offset + 12 > buf.length) return Number.NaN;
  for (let g = 0; g < 3; g++) {
    const o = offset + g * 4;
    const c0 = DECODE[buf[o] as number] as number;
    const c1 = DECODE[buf[o + 1] as number] as number;
    const c2 = DECODE[buf[o + 2] as number] as number;
    const c3 = DECODE[buf[o + 3] as number] as number;
    if ((c0 | c1 | c2 | c3) < 0) return Number.NaN;
    scratch[g * 3] = (c0 << 2) | (c1 >> 4);
    scratch[g * 3 + 1] = ((c1 & 15) << 4) | (c2 >> 2);
    scratch[g * 3 + 2] = ((c2 & 3) << 6) | c3;
  }
  return scratch.readDoubleLE(0);
}
