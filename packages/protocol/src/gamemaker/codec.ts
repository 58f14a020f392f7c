/**
 * Byte-level codec behind `GmBuffer`: scalar layouts, UTF-8 strings, alignment and ring (wrap)
 * copies. Kept apart from the buffer class so that the position/space bookkeeping there and the
 * byte layouts here can each be read on their own. Internal: not re-exported from the package.
 *
 * @packageDocumentation
 */
import { ErrorCode, ProtocolError } from '../errors.ts';
import { type DataType, SCALAR_SIZE } from './buffer-types.ts';
import { f16Bits, f16FromBits } from './f16.ts';
import { decodeUtf8 } from './utf8.ts';

/**
 * Validates and converts a scalar value to what the encoder needs (number, or bigint for u64).
 * Booleans count as 0/1 because GML booleans are numbers; `bool` uses GML truthiness (>= 0.5).
 * @throws ProtocolError `BUFFER_BAD_ARGUMENT` for a value of the wrong JS type
 */
export function toScalar(type: DataType, value: unknown): number | bigint {
  if (type === 'u64') {
    if (typeof value === 'bigint') return BigInt.asUintN(64, value);
    if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt.asUintN(64, BigInt(value));
    if (typeof value === 'boolean') return value ? 1n : 0n;
    throw badArgument(`u64 needs a bigint or a safe integer, got ${String(value)}`);
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'number') throw badArgument(`${type} needs a number, got ${typeof value}`);
  // GML truthiness: a real is true when it is at least 0.5.
  if (type === 'bool') return value >= 0.5 ? 1 : 0;
  return value;
}

/**
 * Writes one scalar at `offset`, little-endian. DataView's own number conversions (truncate toward
 * zero, then modulo 2^bits; NaN and ±Infinity become 0) are exactly the C-cast rule GmBuffer documents.
 */
export function encodeScalar(view: DataView, offset: number, type: DataType, v: number | bigint): void {
  switch (type) {
    case 'u8':
    case 'bool':
      view.setUint8(offset, v as number);
      break;
    case 's8':
      view.setInt8(offset, v as number);
      break;
    case 'u16':
      view.setUint16(offset, v as number, true);
      break;
    case 's16':
      view.setInt16(offset, v as number, true);
      break;
    case 'u32':
      view.setUint32(offset, v as number, true);
      break;
    case 's32':
      view.setInt32(offset, v as number, true);
      break;
    case 'f16':
      view.setUint16(offset, f16Bits(v as number), true);
      break;
    case 'f32':
      view.setFloat32(offset, v as number, true);
      break;
    case 'f64':
      view.setFloat64(offset, v as number, true);
      break;
    default:
      // u64: little-endian, so this is exactly "low u32 then high u32".
      view.setBigUint64(offset, v as bigint, true);
      break;
  }
}

/** Reads one scalar at `offset`, little-endian; `bool` is true only for the byte 1. */
export function decodeScalar(view: DataView, offset: number, type: DataType): number | bigint | boolean {
  switch (type) {
    case 'u8':
      return view.getUint8(offset);
    case 'bool':
      // The runtime treats only 1 as true; 2..255 read back false.
      return view.getUint8(offset) === 1;
    case 's8':
      return view.getInt8(offset);
    case 'u16':
      return view.getUint16(offset, true);
    case 's16':
      return view.getInt16(offset, true);
    case 'u32':
      return view.getUint32(offset, true);
    case 's32':
      return view.getInt32(offset, true);
    case 'f16':
      return f16FromBits(view.getUint16(offset, true));
    case 'f32':
      return view.getFloat32(offset, true);
    case 'f64':
      return view.getFloat64(offset, true);
    default:
      return view.getBigUint64(offset, true);
  }
}

/** Builds the `BUFFER_BAD_ARGUMENT` error used for every invalid size, offset or value. */
export function badArgument(message: string): ProtocolError {
  return new ProtocolError(ErrorCode.BUFFER_BAD_ARGUMENT, message);
}

/** Rounds the requested alignment up to a power of two, as the HTML5 runtime does (1..1024). */
export function pow2Alignment(alignment: number): number {
  if (!Number.isInteger(alignment) || alignment < 1 || alignment > 1024) {
    throw badArgument(`alignment must be an integer from 1 to 1024, got ${String(alignment)}`);
  }
  let a = 1;
  while (a < alignment) a *= 2;
  return a;
}

/** Pads `pos` up to the next multiple of the power-of-two `alignment`. */
export function alignUp(pos: number, alignment: number): number {
  const rem = pos % alignment;
  return rem === 0 ? pos : pos + alignment - rem;
}

/** Staging area for scalars that straddle the end of a `wrap` buffer (they are split byte by byte). */
const scratch = new Uint8Array(8);
const scratchView = new DataView(scratch.buffer);

/**
 * Copies `bytes` into `data` at `p`, continuing at index 0 past the end. The byte loop only runs for
 * the rare value that crosses the end of a wrap buffer; callers use `set` for the contiguous case.
 */
export function ringSet(data: Uint8Array, p: number, bytes: Uint8Array): void {
  const size = data.length;
  for (let i = 0; i < bytes.length; i++) data[(p + i) % size] = bytes[i]!;
}

/** Encodes a scalar of `n` bytes at `p`, splitting it around the end of `data` if it does not fit. */
export function putScalar(
  data: Uint8Array,
  view: DataView,
  p: number,
  type: DataType,
  v: number | bigint,
): void {
  const n = SCALAR_SIZE[type]!;
  if (p + n <= data.length) {
    encodeScalar(view, p, type, v);
    return;
  }
  encodeScalar(scratchView, 0, type, v);
  ringSet(data, p, scratch.subarray(0, n));
}

/** Decodes a scalar at `p`, gathering its bytes around the end of `data` if it does not fit. */
export function getScalar(
  data: Uint8Array,
  view: DataView,
  p: number,
  type: DataType,
): number | bigint | boolean {
  const n = SCALAR_SIZE[type]!;
  if (p + n <= data.length) return decodeScalar(view, p, type);
  for (let i = 0; i < n; i++) scratch[i] = data[(p + i) % data.length]!;
  return decodeScalar(scratchView, 0, type);
}

/** Writes UTF-8 `bytes` at `p`, plus a NUL when `nul`, wrapping around the end of `data` if needed. */
export function putText(data: Uint8Array, p: number, bytes: Uint8Array, nul: boolean): void {
  if (p + bytes.length + (nul ? 1 : 0) <= data.length) {
    data.set(bytes, p);
    if (nul) data[p + bytes.length] = 0;
    return;
  }
  ringSet(data, p, bytes);
  if (nul) data[(p + bytes.length) % data.length] = 0;
}

/** Strings up to this length that are pure ASCII skip the encoder/decoder (and their allocations). */
const SHORT_ASCII = 64;

/** Length of `s` when it is short pure ASCII (one byte per char), else -1. */
export function shortAsciiLength(s: string): number {
  if (s.length > SHORT_ASCII) return -1;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return -1;
  return s.length;
}

/** Writes a string already known to be ASCII at `p` (plus a NUL when `nul`), wrapping if needed. */
export function putAscii(data: Uint8Array, p: number, s: string, nul: boolean): void {
  const size = data.length;
  const wraps = p + s.length + (nul ? 1 : 0) > size;
  for (let i = 0; i < s.length; i++) data[wraps ? (p + i) % size : p + i] = s.charCodeAt(i);
  if (nul) data[wraps ? (p + s.length) % size : p + s.length] = 0;
}

/**
 * Decodes UTF-8 from `p` up to the first NUL or `end` (the used size), never wrapping: that is the
 * HTML5 runtime's rule for both `string` and `text`. Returns the text and the index after the NUL.
 */
export function getText(data: Uint8Array, p: number, end: number): [string, number] {
  let stop = p;
  let ascii = true;
  for (; stop < end; stop++) {
    const b = data[stop]!;
    if (b === 0) break;
    if (b >= 0x80) ascii = false;
  }
  let text = '';
  if (ascii && stop - p <= SHORT_ASCII) {
    for (let i = p; i < stop; i++) text += String.fromCharCode(data[i]!);
  } else {
    text = decodeUtf8(data.subarray(p, stop));
  }
  return [text, stop < end ? stop + 1 : end];
}
