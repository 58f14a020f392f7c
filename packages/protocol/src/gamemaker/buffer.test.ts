import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, ProtocolError } from '../errors.ts';
import { BufferDataType, BufferSeek, BufferType, type DataType, GmBuffer } from './buffer.ts';
import { f16Bits, f16FromBits, f16Round } from './f16.ts';

function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  return Uint8Array.from({ length: clean.length / 2 }, (_, i) =>
    Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16),
  );
}
function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
  return 'no error';
}
/** Writes one value into a fresh grow buffer and returns the bytes as hex. */
function written(type: DataType, value: number | bigint | boolean | string): string {
  return toHex(new GmBuffer(0).write(type, value).bytes());
}

// [type, value written, expected bytes, value read back]
const FIXTURES: [DataType, number | bigint | boolean | string, string, unknown][] = [
  ['u8', 200, 'c8', 200],
  ['s8', -2, 'fe', -2],
  ['u16', 0x1234, '3412', 0x1234],
  ['s16', -2, 'feff', -2],
  ['u32', 0xdeadbeef, 'efbeadde', 0xdeadbeef],
  ['s32', -2, 'feffffff', -2],
  ['f16', 1, '003c', 1],
  ['f16', -2, '00c0', -2],
  ['f16', 65504, 'ff7b', 65504],
  ['f16', 2 ** -24, '0100', 2 ** -24],
  ['f16', Number.POSITIVE_INFINITY, '007c', Number.POSITIVE_INFINITY],
  ['f16', -0, '0080', -0],
  ['f32', 1.5, '0000c03f', 1.5],
  ['f64', 1.5, '000000000000f83f', 1.5],
  ['f64', -0.1, '9a9999999999b9bf', -0.1],
  ['bool', true, '01', true],
  ['bool', false, '00', false],
  ['string', 'hi', '686900', 'hi'],
  ['string', '', '00', ''],
  ['string', 'é😀', 'c3a9f09f988000', 'é😀'],
  ['text', 'hi', '6869', 'hi'],
  ['u64', 0x0123456789abcdefn, 'efcdab8967452301', 0x0123456789abcdefn],
  ['u64', 5, '0500000000000000', 5n],
];

describe('GmBuffer byte layouts', () => {
  it.each(FIXTURES)('%s %s is %s', (type, value, bytes, back) => {
    expect(written(type, value)).toBe(bytes);
    const buf = GmBuffer.from(hex(bytes));
    expect(buf.read(type)).toEqual(back);
    expect(buf.tell()).toBe(bytes.length / 2);
  });

  it('writes NaN as the quiet half NaN and reads any NaN pattern back as NaN', () => {
    expect(written('f16', Number.NaN)).toBe('007e');
    expect(GmBuffer.from(hex('017c')).readF16()).toBeNaN();
  });

  it('reads bool as true only for the byte 1', () => {
    const buf = GmBuffer.from(hex('00 01 02 ff'));
    expect([buf.readBool(), buf.readBool(), buf.readBool(), buf.readBool()]).toEqual([
      false,
      true,
      false,
      false,
    ]);
  });

  it('writes bool from numbers using GML truthiness (>= 0.5)', () => {
    expect(toHex(new GmBuffer(0).writeBool(0.5).writeBool(0.49).writeBool(2).bytes())).toBe('010001');
  });

  it('wraps integer writes like a C cast and reads back in range', () => {
    expect(written('u8', 256)).toBe('00');
    expect(written('u8', -1)).toBe('ff');
    expect(written('u8', 1.9)).toBe('01');
    expect(written('u8', -1.9)).toBe('ff');
    expect(written('u8', Number.NaN)).toBe('00');
    expect(written('s8', 200)).toBe('c8');
    expect(GmBuffer.from(hex('c8')).readS8()).toBe(-56);
    expect(written('u16', 65541)).toBe('0500');
    expect(written('u32', -1)).toBe('ffffffff');
    expect(GmBuffer.from(hex('ffffffff')).readU32()).toBe(4294967295);
    expect(written('s32', 0x80000000)).toBe('00000080');
    expect(GmBuffer.from(hex('00000080')).readS32()).toBe(-2147483648);
    expect(written('s32', Number.POSITIVE_INFINITY)).toBe('00000000');
    expect(written('u8', true)).toBe('01');
  });

  it('writes u64 as low then high u32, wrapping negatives, and reads a bigint', () => {
    expect(written('u64', -1)).toBe('ffffffffffffffff');
    expect(written('u64', -1n)).toBe('ffffffffffffffff');
    expect(written('u64', 2n ** 64n + 3n)).toBe('0300000000000000');
    expect(written('u64', 0x100000002)).toBe('0200000001000000');
    expect(GmBuffer.from(hex('ffffffffffffffff')).readU64()).toBe(2n ** 64n - 1n);
    expect(codeOf(() => new GmBuffer(0).writeU64(2 ** 53))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(codeOf(() => new GmBuffer(0).writeU64(1.5))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
  });
});

describe('f16', () => {
  it('round-trips every non-NaN half pattern exactly', () => {
    const wrong: number[] = [];
    for (let bits = 0; bits <= 0xffff; bits++) {
      const v = f16FromBits(bits);
      const ok = Number.isNaN(v) ? (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0 : f16Bits(v) === bits;
      if (!ok) wrong.push(bits);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to nearest, ties to even, straight from float64', () => {
    expect(f16Round(1 + 2 ** -11)).toBe(1); // tie: keeps the even mantissa 0
    expect(f16Round(1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9); // tie: goes up to the even mantissa 2
    // Just above a tie: rounding through float32 first would lose the 2^-40 and round down.
    expect(f16Round(1 + 2 ** -11 + 2 ** -40)).toBe(1 + 2 ** -10);
    expect(f16Round(2 ** -25)).toBe(0); // subnormal tie rounds to even (0)
    expect(f16Round(3 * 2 ** -25)).toBe(2 ** -23);
    expect(f16Round(2 ** -14 - 2 ** -26)).toBe(2 ** -14); // rounds up into the normal range
    expect(f16Round(65519)).toBe(65504);
    expect(f16Round(65520)).toBe(Number.POSITIVE_INFINITY);
    expect(f16Round(-1e9)).toBe(Number.NEGATIVE_INFINITY);
    expect(Object.is(f16Round(-1e-30), -0)).toBe(true);
  });
});

describe('GmBuffer alignment', () => {
  it('pads with zeros up to the alignment before each write', () => {
    const buf = new GmBuffer(0, 'grow', 4).writeU8(1).writeU32(2).writeU8(3).writeString('a').writeU16(4);
    expect(toHex(buf.bytes())).toBe('01000000 02000000 03000000 61000000 0400'.replace(/ /g, ''));
    expect(buf.tell()).toBe(18);
  });

  it('pads before each read too', () => {
    const buf = GmBuffer.from(hex('07 000000 08000000 09'), 'fixed', 4);
    expect([buf.readU8(), buf.readU32(), buf.readU8()]).toEqual([7, 8, 9]);
  });

  it('rounds the alignment up to a power of two and rejects bad ones', () => {
    expect(new GmBuffer(1, 'grow', 3).alignment).toBe(4);
    expect(new GmBuffer(1, 'grow', 5).alignment).toBe(8);
    expect(new GmBuffer(1, 'grow', 1024).alignment).toBe(1024);
    for (const bad of [0, -1, 1.5, 1025, Number.NaN]) {
      expect(codeOf(() => new GmBuffer(1, 'grow', bad))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    }
  });
});

describe('GmBuffer kinds', () => {
  it('creates zero-filled buffers', () => {
    const buf = new GmBuffer(8, 'fixed');
    expect(buf.readU64()).toBe(0n);
    expect(buf.usedSize).toBe(0);
    expect(buf.bytes()).toHaveLength(0);
  });

  it('grow doubles from at least 4 bytes', () => {
    const buf = new GmBuffer(0);
    buf.writeU8(1);
    expect(buf.size).toBe(4);
    buf.writeU32(2);
    expect(buf.size).toBe(8);
    buf.writeText('x'.repeat(100));
    expect(buf.size).toBe(128);
    expect(buf.usedSize).toBe(105);
  });

  it('fixed throws BUFFER_OUT_OF_SPACE and changes nothing', () => {
    const buf = new GmBuffer(4, 'fixed').writeU16(1).writeU8(2);
    const err = (() => {
      try {
        buf.writeU16(3);
      } catch (e) {
        return e as ProtocolError;
      }
    })();
    expect(err?.code).toBe(ErrorCode.BUFFER_OUT_OF_SPACE);
    expect(err?.closeCode).toBe(CloseCode.INTERNAL_ERROR);
    expect([buf.tell(), buf.usedSize, toHex(buf.bytes())]).toEqual([3, 3, '010002']);
    buf.writeU8(4);
    expect(codeOf(() => buf.writeText(''))).toBe('no error');
    expect(codeOf(() => buf.writeString(''))).toBe(ErrorCode.BUFFER_OUT_OF_SPACE);
  });

  it('fast holds u8 only with alignment 1', () => {
    const buf = new GmBuffer(2, 'fast').writeU8(1).writeU8(2);
    expect(codeOf(() => buf.writeU8(3))).toBe(ErrorCode.BUFFER_OUT_OF_SPACE);
    expect(codeOf(() => buf.seek('start', 0).readU16())).toBe(ErrorCode.BUFFER_BAD_TYPE);
    expect(codeOf(() => buf.writeBool(true))).toBe(ErrorCode.BUFFER_BAD_TYPE);
    expect(codeOf(() => new GmBuffer(2, 'fast', 2))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(buf.readU8()).toBe(1);
  });

  it('wrap continues at the start, splitting values that straddle the end', () => {
    const buf = new GmBuffer(6, 'wrap');
    buf.writeU32(0x11111111).writeU32(0x44332211);
    // The second value starts at 4: bytes 4,5 get 11 22 and bytes 0,1 get 33 44.
    expect(toHex(buf.bytes())).toBe('334411111122');
    expect(buf.tell()).toBe(2);
    expect(buf.usedSize).toBe(6);
    expect(buf.seek('start', 4).readU32()).toBe(0x44332211);
    expect(buf.tell()).toBe(2);
    expect(buf.peek(10, 'u16')).toBe(0x2211);
  });

  it('wrap splits strings around the end too (ASCII and UTF-8 paths)', () => {
    const ascii = new GmBuffer(4, 'wrap').seek('start', 2).writeString('abc');
    expect(toHex(ascii.bytes())).toBe('63006162');
    expect(ascii.tell()).toBe(2);
    const utf8 = new GmBuffer(4, 'wrap').seek('start', 3).writeString('é');
    expect(toHex(utf8.bytes())).toBe('a90000c3');
    expect(utf8.tell()).toBe(2);
  });

  it('wrap folds the position back in when alignment pushes it past the end', () => {
    const buf = new GmBuffer(6, 'wrap', 4).writeU32(1);
    buf.writeU16(2); // aligned to 4, fits
    buf.writeU8(3); // aligned to 8 -> folds to 2
    expect(toHex(buf.bytes())).toBe('010003000200');
  });

  it('validates size and kind', () => {
    for (const size of [-1, 1.5, 2 ** 31, Number.NaN]) {
      expect(codeOf(() => new GmBuffer(size))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    }
    expect(codeOf(() => new GmBuffer(1, 'vertex' as 'fixed'))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(codeOf(() => new GmBuffer(0, 'wrap').writeU8(1))).toBe(ErrorCode.BUFFER_OUT_OF_SPACE);
    expect(codeOf(() => new GmBuffer(0, 'wrap').readU8())).toBe(ErrorCode.BUFFER_OVERRUN);
  });

  it('from copies the bytes and sets size, used size and position', () => {
    const src = hex('0102');
    const buf = GmBuffer.from(src, 'fixed');
    src[0] = 9;
    expect([buf.size, buf.usedSize, buf.tell(), buf.kind, buf.readU8()]).toEqual([2, 2, 0, 'fixed', 1]);
    expect(GmBuffer.from(src).kind).toBe('grow');
  });
});

describe('GmBuffer reads', () => {
  it('throws BUFFER_OVERRUN past the end without moving', () => {
    const buf = GmBuffer.from(hex('010203'));
    buf.readU8();
    expect(codeOf(() => buf.readU32())).toBe(ErrorCode.BUFFER_OVERRUN);
    expect(buf.tell()).toBe(1);
    expect(buf.readU16()).toBe(0x0302);
    expect(codeOf(() => buf.readU8())).toBe(ErrorCode.BUFFER_OVERRUN);
  });

  it('reads zero-filled storage past the used size but within the size', () => {
    const buf = new GmBuffer(8).writeU8(5);
    expect(buf.seek('start', 0).readU8()).toBe(5);
    expect(buf.readU32()).toBe(0);
  });

  it('stops strings at a NUL (consumed) or at the used size', () => {
    const buf = GmBuffer.from(hex('6869 00 6f6b'));
    expect(buf.readString()).toBe('hi');
    expect(buf.tell()).toBe(3);
    expect(buf.readString()).toBe('ok');
    expect(buf.tell()).toBe(5);
    expect(codeOf(() => buf.readString())).toBe(ErrorCode.BUFFER_OVERRUN);
    expect(buf.readText()).toBe('');
    expect(GmBuffer.from(hex('61 00 62')).readText()).toBe('a');
    const grown = new GmBuffer(16).writeText('abc');
    expect(grown.seek('start', 0).readText()).toBe('abc');
    expect(codeOf(() => grown.seek('start', 8).readText())).toBe(ErrorCode.BUFFER_OVERRUN);
  });

  it('truncates a string written with an embedded NUL, as GameMaker does', () => {
    const buf = new GmBuffer(0).writeString('a\0b').writeU8(7);
    expect(toHex(buf.bytes())).toBe('6100620007');
    expect(buf.seek('start', 0).readString()).toBe('a');
  });

  it('decodes CESU-8 from the HTML5 runtime and replaces invalid bytes', () => {
    expect(GmBuffer.from(hex('eda0bd edb880 00')).readString()).toBe('😀');
    expect(GmBuffer.from(hex('ff 41 00')).readString()).toBe('\ufffdA');
    expect(GmBuffer.from(hex('c0 80')).readText()).toBe('\ufffd\ufffd');
    expect(GmBuffer.from(hex('e282')).readText()).toBe('\ufffd\ufffd');
    expect(GmBuffer.from(new TextEncoder().encode('ü'.repeat(50))).readText()).toBe('ü'.repeat(50));
  });
});

describe('GmBuffer seek, tell, peek and poke', () => {
  it('seeks from the start, relatively and from the end (size - offset), clamping at 0', () => {
    const buf = new GmBuffer(10, 'fixed');
    expect(buf.seek('start', 4).tell()).toBe(4);
    expect(buf.seek('relative', 3).tell()).toBe(7);
    expect(buf.seek(BufferSeek.relative, -20).tell()).toBe(0);
    expect(buf.seek('end', 0).tell()).toBe(10);
    expect(buf.seek(2, 3).tell()).toBe(7);
    expect(buf.seek('end', -5).tell()).toBe(10);
    expect(buf.seek('start', -1).tell()).toBe(0);
    expect(buf.seek(0, 12).tell()).toBe(12);
    expect(codeOf(() => buf.seek('middle' as 'start', 0))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(codeOf(() => buf.seek('start', 0.5))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
  });

  it('grows when writing after seeking past the end of a grow buffer', () => {
    const buf = new GmBuffer(2).seek('start', 5).writeU8(1);
    expect(toHex(buf.bytes())).toBe('000000000001');
  });

  it('peeks and pokes without alignment and without moving', () => {
    const buf = new GmBuffer(8, 'grow', 4).writeU8(1);
    buf.poke(1, 'u16', 0xbeef);
    buf.poke(5, 'string', 'a');
    expect(buf.tell()).toBe(1);
    expect(buf.usedSize).toBe(7);
    expect(buf.peek(1, 'u16')).toBe(0xbeef);
    expect(buf.peek(5, 'string')).toBe('a');
    expect(toHex(buf.bytes())).toBe('01efbe00006100');
  });

  it('never grows on poke and reports bad offsets', () => {
    const buf = new GmBuffer(4);
    expect(codeOf(() => buf.poke(3, 'u16', 1))).toBe(ErrorCode.BUFFER_OUT_OF_SPACE);
    expect(codeOf(() => buf.peek(3, 'u16'))).toBe(ErrorCode.BUFFER_OVERRUN);
    expect(codeOf(() => buf.peek(-1, 'u8'))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(codeOf(() => buf.poke(0.5, 'u8', 1))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(buf.size).toBe(4);
  });

  it('wraps peek and poke offsets on wrap buffers', () => {
    const buf = new GmBuffer(4, 'wrap');
    buf.poke(7, 'u16', 0x0201);
    expect(toHex(buf.bytes())).toBe('02000001');
    expect(buf.peek(3, 'u16')).toBe(0x0201);
  });
});

describe('GmBuffer argument checks', () => {
  it('rejects unknown types and values of the wrong kind', () => {
    const buf = new GmBuffer(8);
    expect(codeOf(() => buf.write('u128' as DataType, 1))).toBe(ErrorCode.BUFFER_BAD_TYPE);
    expect(codeOf(() => buf.read('float' as DataType))).toBe(ErrorCode.BUFFER_BAD_TYPE);
    expect(codeOf(() => buf.peek(0, 'nope' as DataType))).toBe(ErrorCode.BUFFER_BAD_TYPE);
    expect(codeOf(() => buf.write('u8', 'x'))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(codeOf(() => buf.write('u32', 5n))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(codeOf(() => buf.write('string', 5))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(codeOf(() => buf.write('u64', 'x'))).toBe(ErrorCode.BUFFER_BAD_ARGUMENT);
    expect(buf.tell()).toBe(0);
    expect(buf.usedSize).toBe(0);
  });

  it('exposes the GML constant values', () => {
    expect(BufferType).toEqual({ fixed: 0, grow: 1, wrap: 2, fast: 3 });
    expect(Object.values(BufferDataType)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(BufferDataType.u64).toBe(12);
    expect(BufferSeek).toEqual({ start: 0, relative: 1, end: 2 });
  });
});

describe('a typical GML network message', () => {
  it('round-trips the manual pattern: u8 id, string, s16 coordinates, bool, f32', () => {
    const out = new GmBuffer(256, 'grow', 1);
    out.writeU8(3).writeString('Player One').writeS16(-120).writeS16(480).writeBool(true).writeF32(0.25);
    const inp = GmBuffer.from(out.bytes());
    expect([
      inp.readU8(),
      inp.readString(),
      inp.readS16(),
      inp.readS16(),
      inp.readBool(),
      inp.readF32(),
    ]).toEqual([3, 'Player One', -120, 480, true, 0.25]);
    expect(inp.tell()).toBe(inp.usedSize);
  });
});
