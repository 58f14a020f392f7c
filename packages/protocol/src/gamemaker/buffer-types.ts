/**
 * GameMaker buffer constants and the per-type tables the {@link GmBuffer} codec is driven by.
 * Numeric values match the GML constants (`buffer_fixed`, `buffer_u8`, `buffer_seek_start`, ...)
 * so that code ported from GML, or values received from a GML client, can be mapped one to one.
 *
 * @packageDocumentation
 */

/** GML buffer kinds: `buffer_fixed` (0), `buffer_grow` (1), `buffer_wrap` (2), `buffer_fast` (3). */
export const BufferType = { fixed: 0, grow: 1, wrap: 2, fast: 3 } as const;

/** GML data type constants: `buffer_u8` (1) ... `buffer_text` (13). */
export const BufferDataType = {
  u8: 1,
  s8: 2,
  u16: 3,
  s16: 4,
  u32: 5,
  s32: 6,
  f16: 7,
  f32: 8,
  f64: 9,
  bool: 10,
  string: 11,
  u64: 12,
  text: 13,
} as const;

/** GML seek bases: `buffer_seek_start` (0), `buffer_seek_relative` (1), `buffer_seek_end` (2). */
export const BufferSeek = { start: 0, relative: 1, end: 2 } as const;

/** Buffer kind by name; see {@link BufferType} for the GML numbers. */
export type BufferKind = 'fixed' | 'grow' | 'wrap' | 'fast';

/** Data type by name; see {@link BufferDataType} for the GML numbers. */
export type DataType =
  | 'u8'
  | 's8'
  | 'u16'
  | 's16'
  | 'u32'
  | 's32'
  | 'f16'
  | 'f32'
  | 'f64'
  | 'bool'
  | 'string'
  | 'u64'
  | 'text';

/**
 * What `read`/`peek` return for each data type. `u64` is a bigint because 64-bit values do not fit
 * a JS number; everything numeric that fits 53 bits is a plain number (u32 included, which GML
 * itself returns as int64).
 */
export type DataValue<T extends DataType> = T extends 'u64'
  ? bigint
  : T extends 'bool'
    ? boolean
    : T extends 'string' | 'text'
      ? string
      : number;

/** Seek base accepted by `GmBuffer#seek`: a name or the GML number. */
export type SeekBase = keyof typeof BufferSeek | (typeof BufferSeek)[keyof typeof BufferSeek];

/** Fixed byte width per scalar type; strings are variable and absent here. */
export const SCALAR_SIZE: Readonly<Record<string, number>> = {
  u8: 1,
  s8: 1,
  bool: 1,
  u16: 2,
  s16: 2,
  f16: 2,
  u32: 4,
  s32: 4,
  f32: 4,
  f64: 8,
  u64: 8,
};

/** Largest buffer GameMaker allows ("smaller than 2 GiB"). */
export const MAX_BUFFER_SIZE = 0x7fffffff;

/** True when `type` is one of the 13 known data type names (guards untyped JS callers). */
export function isDataType(type: unknown): type is DataType {
  return typeof type === 'string' && Object.hasOwn(BufferDataType, type);
}

/** True when `kind` is one of the four supported buffer kinds. */
export function isBufferKind(kind: unknown): kind is BufferKind {
  return typeof kind === 'string' && Object.hasOwn(BufferType, kind);
}
