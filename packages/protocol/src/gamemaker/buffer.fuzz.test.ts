import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from '../errors.ts';
import { type BufferKind, type DataType, GmBuffer } from './buffer.ts';
import { f16Bits, f16FromBits, f16Round } from './f16.ts';
import { decodeUtf8, encodeUtf8 } from './utf8.ts';

type Value = number | bigint | boolean | string;
/** One write: the type, the value written, and what a read must return. */
type Op = { type: DataType; value: Value; expected: unknown };

const INT_BITS = { u8: 8, s8: 8, u16: 16, s16: 16, u32: 32, s32: 32 } as const;
const SCALARS: DataType[] = ['u8', 's8', 'u16', 's16', 'u32', 's32', 'f16', 'f32', 'f64', 'bool', 'u64'];
const ALL_TYPES: DataType[] = [...SCALARS, 'string', 'text'];

/** Independent model of the C-cast rule: truncate, then reduce modulo 2^bits with BigInt. */
function cCast(type: keyof typeof INT_BITS, v: number): number {
  if (!Number.isFinite(v)) return 0;
  const big = BigInt(Math.trunc(v));
  const bits = INT_BITS[type];
  return Number(type.startsWith('s') ? BigInt.asIntN(bits, big) : BigInt.asUintN(bits, big));
}

const anyInt = fc.oneof(
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.maxSafeInteger(),
  fc.double({ min: -(2 ** 40), max: 2 ** 40 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0),
);
const noNul = fc.string({ unit: 'binary', maxLength: 24 }).filter((s) => !s.includes('\0'));

const scalarOp: fc.Arbitrary<Op> = fc.oneof(
  ...(Object.keys(INT_BITS) as (keyof typeof INT_BITS)[]).map((type) =>
    anyInt.map((value): Op => ({ type, value, expected: cCast(type, value) })),
  ),
  fc.double().map((value): Op => ({ type: 'f16', value, expected: f16Round(value) })),
  fc.double().map((value): Op => ({ type: 'f32', value, expected: Math.fround(value) })),
  fc.double().map((value): Op => ({ type: 'f64', value, expected: value })),
  fc.boolean().map((value): Op => ({ type: 'bool', value, expected: value })),
  fc
    .bigInt({ min: -(2n ** 70n), max: 2n ** 70n })
    .map((value): Op => ({ type: 'u64', value, expected: BigInt.asUintN(64, value) })),
);
const stringOp = noNul.map((value): Op => ({ type: 'string', value, expected: value }));
// `text` has no terminator, so it can only be read back when it is the last thing in the buffer.
const textOp = noNul.map((value): Op => ({ type: 'text', value, expected: value }));
const opList = fc
  .tuple(fc.array(fc.oneof(scalarOp, stringOp), { maxLength: 20 }), fc.option(textOp))
  .map(([ops, text]) => (text ? [...ops, text] : ops));

/** Runs `fn` and reports a ProtocolError code, or rethrows anything else. */
function protocolCode(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
}

describe('buffer properties', () => {
  it('(3) every type round-trips through write/read with any alignment and kind', () => {
    fc.assert(
      fc.property(
        opList,
        fc.integer({ min: 1, max: 64 }),
        fc.constantFrom<BufferKind>('grow', 'fixed', 'wrap'),
        fc.nat({ max: 64 }),
        (ops, alignment, kind, slack) => {
          // Measure the exact size with a grow buffer, then size fixed buffers to fit exactly. Wrap
          // buffers get a spare byte: a full ring folds the next access back to 0, by design.
          const probe = new GmBuffer(0, 'grow', alignment);
          for (const op of ops) probe.write(op.type, op.value);
          const size = kind === 'grow' ? slack : probe.tell() + (kind === 'wrap' ? slack + 1 : 0);
          const buf = new GmBuffer(size, kind, alignment);
          for (const op of ops) buf.write(op.type, op.value);
          expect(buf.tell()).toBe(probe.tell());
          expect(buf.bytes()).toEqual(probe.bytes());
          buf.seek('start', 0);
          for (const op of ops) expect(buf.read(op.type)).toEqual(op.expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('(3) poke then peek round-trips at any in-range offset', () => {
    fc.assert(
      fc.property(fc.oneof(scalarOp, stringOp), fc.nat({ max: 40 }), (op, offset) => {
        const buf = new GmBuffer(200, 'fixed', 8);
        buf.poke(offset, op.type, op.value);
        expect(buf.peek(offset, op.type)).toEqual(op.expected);
        expect(buf.tell()).toBe(0);
      }),
    );
  });

  it('(3) wrap buffers are rings: a value written anywhere reads back and lands modulo size', () => {
    fc.assert(
      fc.property(scalarOp, fc.integer({ min: 8, max: 20 }), fc.nat({ max: 100 }), (op, size, pos) => {
        const ring = new GmBuffer(size, 'wrap').seek('start', pos).write(op.type, op.value);
        expect(ring.seek('start', pos).read(op.type)).toEqual(op.expected);
        const flat = new GmBuffer(8, 'fixed').write(op.type, op.value).bytes();
        const landed = Array.from(flat, (_, i) => ring.peek((pos + i) % size, 'u8'));
        expect(landed).toEqual(Array.from(flat));
      }),
    );
  });

  it('(4) random bytes read with random types give a value of the right kind or BUFFER_OVERRUN', () => {
    const step = fc.oneof(
      fc.constantFrom(...ALL_TYPES).map((type) => ({ type, seek: undefined as number | undefined })),
      fc.integer({ min: -8, max: 48 }).map((seek) => ({ type: 'u8' as DataType, seek })),
    );
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom<BufferKind>('fixed', 'grow', 'wrap'),
        fc.integer({ min: 1, max: 16 }),
        fc.array(step, { maxLength: 24 }),
        (bytes, kind, alignment, steps) => {
          const buf = GmBuffer.from(bytes, kind, alignment);
          for (const { type, seek } of steps) {
            if (seek !== undefined) {
              buf.seek('start', seek);
              continue;
            }
            let value: unknown;
            const code = protocolCode(() => {
              value = buf.read(type);
            });
            if (code !== undefined) {
              expect(code).toBe(ErrorCode.BUFFER_OVERRUN);
              continue;
            }
            if (type === 'u64')
              expect(typeof value === 'bigint' && value >= 0n && value < 2n ** 64n).toBe(true);
            else if (type === 'bool') expect(typeof value).toBe('boolean');
            else if (type === 'string' || type === 'text') expect(typeof value).toBe('string');
            else if (type in INT_BITS)
              expect(cCast(type as keyof typeof INT_BITS, value as number)).toBe(value);
            else expect(typeof value).toBe('number');
            expect(buf.tell()).toBeLessThanOrEqual(Math.max(buf.size, bytes.length + alignment));
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('(4) peek at any offset gives a value or BUFFER_OVERRUN / BUFFER_BAD_ARGUMENT', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 24 }),
        fc.constantFrom(...ALL_TYPES),
        fc.integer({ min: -4, max: 40 }),
        (bytes, type, offset) => {
          const code = protocolCode(() => GmBuffer.from(bytes, 'fixed').peek(offset, type));
          if (offset < 0) expect(code).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
          else expect([undefined, ErrorCode.BUFFER_OVERRUN]).toContain(code);
        },
      ),
    );
  });
});

describe('f16 and UTF-8 properties', () => {
  it('f16 rounding picks the nearest half, ties to even', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        const a = Math.abs(x);
        const h = Math.abs(f16Round(x));
        if (a >= 65520) {
          expect(h).toBe(Number.POSITIVE_INFINITY);
          return;
        }
        const bits = f16Bits(a);
        const err = Math.abs(a - h);
        const below = bits > 0 ? Math.abs(a - f16FromBits(bits - 1)) : Number.POSITIVE_INFINITY;
        const above = Math.abs(a - f16FromBits(bits + 1));
        expect(err).toBeLessThanOrEqual(below);
        expect(err).toBeLessThanOrEqual(above);
        if (err === below || err === above) expect(bits % 2).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });

  it('decodes valid UTF-8 like TextDecoder and never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.uint8Array({ maxLength: 60 }),
        (s, noise) => {
          expect(decodeUtf8(encodeUtf8(s))).toBe(s);
          expect(decodeUtf8(noise)).toBe(decodeUtf8(noise));
          expect(typeof decodeUtf8(noise)).toBe('string');
        },
      ),
    );
  });

  it('decodes CESU-8 (each UTF-16 unit encoded alone, as the HTML5 runtime writes) to the same string', () => {
    const cesu8 = (s: string) => {
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        const u = s.charCodeAt(i);
        if (u < 0x80) out.push(u);
        else if (u < 0x800) out.push(0xc0 | (u >> 6), 0x80 | (u & 0x3f));
        else out.push(0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f));
      }
      return Uint8Array.from(out);
    };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (s) => {
        expect(decodeUtf8(cesu8(s))).toBe(s);
      }),
    );
  });
});
