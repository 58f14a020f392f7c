/**
 * A GameMaker-compatible binary buffer (`buffer_create`, `buffer_write`, `buffer_read`, ...).
 *
 * Byte layouts follow the GameMaker runtime: little-endian everywhere, `string` is UTF-8 plus a NUL,
 * `text` is UTF-8 without one, `bool` is one byte read back as `byte === 1`, `u64` is the low u32
 * then the high u32, and every read or write first pads the position up to the buffer's alignment.
 *
 * Where GameMaker reports failure with a negative return value, this class throws a
 * {@link ProtocolError} instead, because silently continuing with a garbage value is how network
 * decoders end up desynchronised. A failed call changes nothing (no position move, no growth).
 *
 * Integer writes behave like a C cast to the target width: the value is truncated toward zero and
 * then taken modulo 2^bits, so `u8` 256 writes 0, `u8` -1 writes 255, `s32` 0x80000000 writes
 * -2147483648, and NaN or ±Infinity write 0. Reads always return the in-range value.
 *
 * @packageDocumentation
 */
import { ErrorCode, ProtocolError } from '../errors.ts';
import {
  type BufferKind,
  type DataType,
  type DataValue,
  isBufferKind,
  isDataType,
  MAX_BUFFER_SIZE,
  SCALAR_SIZE,
  type SeekBase,
} from './buffer-types.ts';
import {
  alignUp,
  badArgument,
  getScalar,
  getText,
  pow2Alignment,
  putAscii,
  putScalar,
  putText,
  shortAsciiLength,
  toScalar,
} from './codec.ts';
import { encodeUtf8 } from './utf8.ts';

export {
  BufferDataType,
  type BufferKind,
  BufferSeek,
  BufferType,
  type DataType,
  type DataValue,
  type SeekBase,
} from './buffer-types.ts';

/**
 * GameMaker buffer: a byte array with a read/write position, a used size and an alignment.
 *
 * Kinds: `fixed` never grows (writes past the end throw `BUFFER_OUT_OF_SPACE`); `grow` doubles its
 * size as needed (from at least 4 bytes, capped below 2 GiB); `wrap` continues at offset 0 when a
 * write or read runs past the end (a value straddling the end is split, so the buffer is a true ring);
 * `fast` is a fixed buffer restricted to `u8` with alignment 1. Memory is zero-filled on creation.
 *
 * Reads are bounded by `size`, not `usedSize`, because GameMaker memory past the used size is valid
 * (zero-filled) storage. String reads are the exception: like the HTML5 runtime they stop at a NUL
 * or at `usedSize`, whichever comes first, consume the NUL, and never wrap. On `wrap` buffers the
 * alignment pads the physical position (the HTML5 runtime instead carries an alignment offset
 * across wraps; the two only differ when the size is not a multiple of the alignment).
 *
 * @example
 * ```ts
 * const out = new GmBuffer(64).writeU8(3).writeString('hi').writeF32(1.5);
 * const inp = GmBuffer.from(out.bytes());
 * inp.readU8(); inp.readString(); inp.readF32(); // 3, 'hi', 1.5
 * ```
 */
export class GmBuffer {
  #kind: BufferKind;
  #alignment: number;
  #data: Uint8Array;
  /** Created on first scalar access: most network buffers are read a few times or only copied, and a
   * DataView per small buffer costs more than the copy itself. */
  #view: DataView | undefined;
  #pos = 0;
  #used = 0;

  /**
   * @param size - initial size in bytes, 0 .. 2^31-1
   * @param kind - `grow` by default, the kind GameMaker uses for network receive buffers
   * @param alignment - 1..1024, rounded up to a power of two; must be 1 for `fast`
   * @throws ProtocolError `BUFFER_BAD_ARGUMENT` for an invalid size, kind or alignment
   */
  constructor(size: number, kind: BufferKind = 'grow', alignment = 1) {
    if (!Number.isInteger(size) || size < 0 || size > MAX_BUFFER_SIZE) {
      throw badArgument(`size must be an integer from 0 to ${MAX_BUFFER_SIZE}, got ${String(size)}`);
    }
    if (!isBufferKind(kind)) throw badArgument(`unknown buffer kind ${String(kind)}`);
    const align = pow2Alignment(alignment);
    if (kind === 'fast' && align !== 1) throw badArgument('fast buffers must have alignment 1');
    this.#kind = kind;
    this.#alignment = align;
    this.#data = new Uint8Array(size);
  }

  #dataView(): DataView {
    this.#view ??= new DataView(this.#data.buffer);
    return this.#view;
  }

  /**
   * Creates a buffer holding a copy of `bytes`: size and used size are `bytes.length`, position 0.
   * It copies so that later writes can never corrupt the caller's memory (e.g. a socket chunk).
   */
  static from(bytes: Uint8Array, kind: BufferKind = 'grow', alignment = 1): GmBuffer {
    if (!(bytes instanceof Uint8Array)) throw badArgument('GmBuffer.from needs a Uint8Array');
    const buf = new GmBuffer(bytes.length, kind, alignment);
    buf.#data.set(bytes);
    buf.#used = bytes.length;
    return buf;
  }

  /** Current size in bytes (capacity; `grow` buffers enlarge it on demand). */
  get size(): number {
    return this.#data.length;
  }
  /** Highest byte offset ever written (or loaded by `from`), like `buffer_get_used_size`. */
  get usedSize(): number {
    return this.#used;
  }
  /** Effective alignment: the requested one rounded up to a power of two. */
  get alignment(): number {
    return this.#alignment;
  }
  /** The buffer kind chosen at creation. */
  get kind(): BufferKind {
    return this.#kind;
  }

  /** The used bytes [0, usedSize) as a view (copy if you keep it: later writes change it). */
  bytes(): Uint8Array {
    return this.#data.subarray(0, this.#used);
  }

  /** Current position, like `buffer_tell`. */
  tell(): number {
    return this.#pos;
  }

  /**
   * Moves the position, like `buffer_seek`. `start`: to `offset`; `relative`: by `offset`; `end`:
   * to `size - offset` (the HTML5 runtime's rule). Results below 0 clamp to 0 and `end` never goes
   * past `size`; `start`/`relative` may go past the end, and the next access then fails, grows or
   * wraps according to the kind.
   */
  seek(base: SeekBase, offset: number): this {
    if (!Number.isInteger(offset)) throw badArgument(`seek offset must be an integer, got ${String(offset)}`);
    let pos: number;
    if (base === 'start' || base === 0) pos = offset;
    else if (base === 'relative' || base === 1) pos = this.#pos + offset;
    else if (base === 'end' || base === 2) pos = Math.min(this.size - offset, this.size);
    else throw badArgument(`unknown seek base ${String(base)}`);
    this.#pos = Math.max(0, pos);
    return this;
  }

  /**
   * Aligns the position, then writes `value` as `type` and advances past it, like `buffer_write`.
   * Numbers and booleans are accepted for numeric types; `u64` takes a bigint or a safe integer
   * (negative values wrap to two's complement); `string`/`text` take a string.
   * @throws ProtocolError `BUFFER_BAD_TYPE`, `BUFFER_BAD_ARGUMENT`, or `BUFFER_OUT_OF_SPACE`
   */
  write(type: DataType, value: number | bigint | boolean | string): this {
    this.#checkType(type);
    const [p, n] = this.#store(alignUp(this.#pos, this.#alignment), type, value, 'write');
    this.#markUsed(p, n);
    this.#pos = this.#advance(p, n);
    return this;
  }

  /**
   * Aligns the position, then reads a `type` and advances past it, like `buffer_read`.
   * @throws ProtocolError `BUFFER_OVERRUN` when the value would extend past the end,
   *   or `BUFFER_BAD_TYPE` for an unknown type (or a non-u8 type on a `fast` buffer)
   */
  read<T extends DataType>(type: T): DataValue<T> {
    this.#checkType(type);
    const start = this.#wrapIndex(alignUp(this.#pos, this.#alignment));
    const [value, next] = this.#get(start, type, 'read');
    this.#pos = next;
    return value as DataValue<T>;
  }

  /**
   * Reads a `type` at absolute `offset` without alignment and without moving the position, like
   * `buffer_peek`. On `wrap` buffers the offset is taken modulo the size.
   * @throws ProtocolError `BUFFER_OVERRUN`, `BUFFER_BAD_TYPE`, or `BUFFER_BAD_ARGUMENT` (bad offset)
   */
  peek<T extends DataType>(offset: number, type: T): DataValue<T> {
    this.#checkType(type);
    this.#checkOffset(offset);
    const [value] = this.#get(this.#wrapIndex(offset), type, 'peek');
    return value as DataValue<T>;
  }

  /**
   * Writes a `type` at absolute `offset` without alignment and without moving the position, like
   * `buffer_poke`. Never grows the buffer (GameMaker doesn't either); `wrap` takes offset modulo size.
   * @throws ProtocolError `BUFFER_OUT_OF_SPACE`, `BUFFER_BAD_TYPE`, or `BUFFER_BAD_ARGUMENT`
   */
  poke(offset: number, type: DataType, value: number | bigint | boolean | string): void {
    this.#checkType(type);
    this.#checkOffset(offset);
    const [p, n] = this.#store(offset, type, value, 'poke');
    this.#markUsed(p, n);
  }

  /** Writes an unsigned byte (C-cast modulo 256). */
  writeU8(v: number): this {
    return this.write('u8', v);
  }
  /** Writes a signed byte (C-cast). */
  writeS8(v: number): this {
    return this.write('s8', v);
  }
  /** Writes a little-endian u16 (C-cast). */
  writeU16(v: number): this {
    return this.write('u16', v);
  }
  /** Writes a little-endian s16 (C-cast). */
  writeS16(v: number): this {
    return this.write('s16', v);
  }
  /** Writes a little-endian u32 (C-cast modulo 2^32). */
  writeU32(v: number): this {
    return this.write('u32', v);
  }
  /** Writes a little-endian s32 (C-cast). */
  writeS32(v: number): this {
    return this.write('s32', v);
  }
  /** Writes an IEEE half, rounded to nearest even. */
  writeF16(v: number): this {
    return this.write('f16', v);
  }
  /** Writes an IEEE single. */
  writeF32(v: number): this {
    return this.write('f32', v);
  }
  /** Writes an IEEE double. */
  writeF64(v: number): this {
    return this.write('f64', v);
  }
  /** Writes a bool byte: 1 for true (or a number >= 0.5), else 0. */
  writeBool(v: boolean | number): this {
    return this.write('bool', v);
  }
  /** Writes UTF-8 plus a terminating NUL (`buffer_string`). An embedded NUL truncates it on read. */
  writeString(v: string): this {
    return this.write('string', v);
  }
  /** Writes UTF-8 without a terminator (`buffer_text`). */
  writeText(v: string): this {
    return this.write('text', v);
  }
  /** Writes a u64 as low then high u32; bigints and negative safe integers wrap modulo 2^64. */
  writeU64(v: bigint | number): this {
    return this.write('u64', v);
  }

  /** Reads an unsigned byte. */
  readU8(): number {
    return this.read('u8');
  }
  /** Reads a signed byte. */
  readS8(): number {
    return this.read('s8');
  }
  /** Reads a little-endian u16. */
  readU16(): number {
    return this.read('u16');
  }
  /** Reads a little-endian s16. */
  readS16(): number {
    return this.read('s16');
  }
  /** Reads a little-endian u32 (0 .. 2^32-1). */
  readU32(): number {
    return this.read('u32');
  }
  /** Reads a little-endian s32. */
  readS32(): number {
    return this.read('s32');
  }
  /** Reads an IEEE half. */
  readF16(): number {
    return this.read('f16');
  }
  /** Reads an IEEE single. */
  readF32(): number {
    return this.read('f32');
  }
  /** Reads an IEEE double. */
  readF64(): number {
    return this.read('f64');
  }
  /** Reads a bool byte: true only when the byte is exactly 1, as GameMaker does. */
  readBool(): boolean {
    return this.read('bool');
  }
  /** Reads UTF-8 up to a NUL or the used size. Throws `BUFFER_OVERRUN` if no byte is left at all. */
  readString(): string {
    return this.read('string');
  }
  /** Reads UTF-8 up to a NUL or the used size; returns '' exactly at the used size. */
  readText(): string {
    return this.read('text');
  }
  /** Reads a u64 as an unsigned bigint (`BigInt.asIntN(64, v)` gives GML's signed int64 view). */
  readU64(): bigint {
    return this.read('u64');
  }

  #checkType(type: unknown): asserts type is DataType {
    if (!isDataType(type))
      throw new ProtocolError(ErrorCode.BUFFER_BAD_TYPE, `unknown data type ${String(type)}`);
    if (this.#kind === 'fast' && type !== 'u8') {
      throw new ProtocolError(ErrorCode.BUFFER_BAD_TYPE, `fast buffers only hold u8, not ${type}`);
    }
  }

  #checkOffset(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0) {
      throw badArgument(`offset must be a non-negative integer, got ${String(offset)}`);
    }
  }

  /**
   * Shared by write and poke: validates the value, makes room at `at` and stores it. Validation
   * comes first so that a rejected value never grows the buffer. Returns [index used, byte count].
   */
  #store(at: number, type: DataType, value: unknown, op: 'write' | 'poke'): [number, number] {
    if (type === 'string' || type === 'text') {
      if (typeof value !== 'string') throw badArgument(`${type} needs a string, got ${typeof value}`);
      const nul = type === 'string';
      const ascii = shortAsciiLength(value);
      const bytes = ascii < 0 ? encodeUtf8(value) : null;
      const n = (bytes ? bytes.length : ascii) + (nul ? 1 : 0);
      const p = this.#reserve(at, n, op);
      if (bytes) putText(this.#data, p, bytes, nul);
      else putAscii(this.#data, p, value, nul);
      return [p, n];
    }
    const v = toScalar(type, value);
    const n = SCALAR_SIZE[type]!;
    const p = this.#reserve(at, n, op);
    putScalar(this.#data, this.#dataView(), p, type, v);
    return [p, n];
  }

  /** On `wrap` buffers maps an index into [0, size); otherwise (or when empty) bounds are checked later. */
  #wrapIndex(index: number): number {
    return this.#kind === 'wrap' && this.size > 0 ? index % this.size : index;
  }

  /** Makes room for `n` bytes at `p` (growing, wrapping or throwing) and returns where to write. */
  #reserve(p: number, n: number, op: 'write' | 'poke'): number {
    const size = this.size;
    if (this.#kind === 'wrap') {
      if (size > 0) return p % size;
      if (n === 0) return p;
      throw new ProtocolError(ErrorCode.BUFFER_OUT_OF_SPACE, `${op} into an empty wrap buffer`);
    }
    if (p + n <= size) return p;
    if (this.#kind === 'grow' && op === 'write') {
      this.#grow(p + n);
      return p;
    }
    throw new ProtocolError(
      ErrorCode.BUFFER_OUT_OF_SPACE,
      `${op} of ${n} bytes at ${p} does not fit a ${this.#kind} buffer of ${size} bytes`,
    );
  }

  #grow(need: number): void {
    if (need > MAX_BUFFER_SIZE) {
      throw new ProtocolError(
        ErrorCode.BUFFER_OUT_OF_SPACE,
        `grow buffer cannot exceed ${MAX_BUFFER_SIZE} bytes`,
      );
    }
    // Doubling keeps a long run of small writes O(n) overall; the floor of 4 makes size 0 usable.
    let size = Math.max(this.size * 2, 4);
    while (size < need) size *= 2;
    const data = new Uint8Array(Math.min(size, MAX_BUFFER_SIZE));
    data.set(this.#data);
    this.#data = data;
    this.#view = undefined;
  }

  #markUsed(p: number, n: number): void {
    // A write that crossed the end of a wrap buffer has touched every byte.
    this.#used = p + n > this.size ? this.size : Math.max(this.#used, p + n);
  }

  /** Position after consuming `n` bytes at `p`; on wrap buffers it folds back into the ring. */
  #advance(p: number, n: number): number {
    const end = p + n;
    return this.#kind === 'wrap' && end > this.size ? end % this.size : end;
  }

  /** Decodes one value at index `p` (already aligned and wrapped) and returns it with the next index. */
  #get(p: number, type: DataType, op: string): [unknown, number] {
    if (type === 'string' || type === 'text') {
      // A `string` with no byte left is an overrun (a written string has at least its NUL); an empty
      // `text` exactly at the used size is legitimate and reads as ''.
      if (p > this.#used || (type === 'string' && p === this.#used)) {
        throw new ProtocolError(
          ErrorCode.BUFFER_OVERRUN,
          `${op} ${type} at ${p} is past the used size ${this.#used}`,
        );
      }
      return getText(this.#data, p, this.#used);
    }
    const n = SCALAR_SIZE[type]!;
    // Only wrap buffers may run past the end, and even they need at least one byte to wrap around.
    if (p + n > this.size && (this.#kind !== 'wrap' || this.size === 0)) {
      throw new ProtocolError(
        ErrorCode.BUFFER_OVERRUN,
        `${op} ${type} at ${p} needs ${n} bytes, size is ${this.size}`,
      );
    }
    return [getScalar(this.#data, this.#dataView(), p, type), this.#advance(p, n)];
  }
}
