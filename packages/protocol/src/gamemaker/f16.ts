/**
 * IEEE 754 binary16 ("half") conversion, written by hand because `Math.f16round` and
 * `DataView#setFloat16` are not available on Node 20 or older browsers.
 *
 * The encoder rounds directly from the float64 value to half precision (round to nearest, ties to
 * even). Going through float32 first would round twice and give wrong results for values that sit
 * just off a half-precision midpoint.
 *
 * @packageDocumentation
 */

/** 2^-14: the smallest positive normal half. Anything below is subnormal. */
const MIN_NORMAL = 2 ** -14;
/**
 * Values at or above this magnitude round to infinity: it is the midpoint between the largest
 * finite half (65504) and the next step (65536), and ties go to the even pattern, which is 0x7c00.
 */
const OVERFLOW = 65520;

/** Rounds a non-negative number to an integer, ties to even. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  // `x - floor` is exact in float64 because both operands share the same binade or floor is 0.
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Encodes a number as the 16-bit pattern of the nearest IEEE half (ties to even).
 * NaN becomes the quiet NaN 0x7e00, overflow becomes ±Infinity, -0 keeps its sign, and values
 * below the normal range become subnormals (or ±0) with correct rounding.
 *
 * @param value - any number
 * @returns the half-precision bit pattern, 0..0xffff
 */
export function f16Bits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const abs = Math.abs(value);
  if (abs >= OVERFLOW) return sign | 0x7c00;
  if (abs < MIN_NORMAL) {
    // Subnormal step is 2^-24, so the mantissa is abs / 2^-24. Rounding up to 1024 yields 0x0400,
    // which is exactly the smallest normal: the bit layout makes the carry come out right.
    return sign | roundHalfEven(abs * 2 ** 24);
  }
  // Math.log2 can be off by one ulp near powers of two; correct the exponent with exact comparisons.
  let exp = Math.floor(Math.log2(abs));
  if (2 ** exp > abs) exp -= 1;
  else if (2 ** (exp + 1) <= abs) exp += 1;
  // Scaling by a power of two is exact, so the only rounding happens in roundHalfEven. A mantissa
  // that rounds up to 1024 carries into the exponent field through the addition.
  const mantissa = roundHalfEven((abs / 2 ** exp - 1) * 1024);
  return sign | (((exp + 15) << 10) + mantissa);
}

/**
 * Decodes a 16-bit IEEE half pattern to a number. Exact: every half is representable in float64.
 *
 * @param bits - the pattern; only the low 16 bits are used
 */
export function f16FromBits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exp === 0) return sign * mantissa * 2 ** -24;
  if (exp === 0x1f) return mantissa === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1024 + mantissa) * 2 ** (exp - 25);
}

/** Rounds a number to the nearest value representable as an IEEE half, like a write then read. */
export function f16Round(value: number): number {
  return f16FromBits(f16Bits(value));
}
