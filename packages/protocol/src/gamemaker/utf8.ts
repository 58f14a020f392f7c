/**
 * UTF-8 helpers for GameMaker strings.
 *
 * Encoding uses the platform `TextEncoder` (lone surrogates become U+FFFD, as in every browser).
 * Decoding is strict UTF-8 first and falls back to a lenient decoder, because the GameMaker HTML5
 * runtime writes characters outside the BMP as CESU-8 (each UTF-16 surrogate encoded on its own as
 * three bytes, `ED A0..BF xx`). That is invalid UTF-8, yet it is what real HTML5 clients send, so
 * emoji from those clients must still decode to the right JavaScript string.
 *
 * @packageDocumentation
 */

// The package compiles against lib ES2023 only (no DOM, no @types/node) so nothing platform-specific
// slips in. TextEncoder/TextDecoder are WHATWG globals present in every runtime we target, so we
// declare just the slice we use; these declarations are module-local and emit no code.
interface Utf8EncoderLike {
  encode(input: string): Uint8Array;
}
interface Utf8DecoderLike {
  decode(input: Uint8Array): string;
}
declare const TextEncoder: { new (): Utf8EncoderLike };
declare const TextDecoder: { new (label: string, options: { fatal: boolean }): Utf8DecoderLike };

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a string as UTF-8 bytes (a fresh array the caller may keep). */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes UTF-8, accepting CESU-8 surrogate triples as written by the GameMaker HTML5 runtime.
 * Any other malformed sequence decodes to U+FFFD per offending byte; decoding never throws.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  // Short ASCII strings are the common case in game packets; skip the decoder call entirely.
  if (bytes.length <= 32) {
    let ascii = true;
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return String.fromCharCode(...bytes);
  }
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return decodeLenient(bytes);
  }
}

/**
 * Decodes the text of a realtime envelope sent over a GameMaker carrier: valid UTF-8, or UTF-8 in
 * which characters outside the BMP are written as CESU-8 surrogate **pairs** (a high surrogate
 * `ED A0..AF xx` followed at once by a low one `ED B0..BF xx`), as the GameMaker HTML5 runtime writes
 * them. Returns `undefined` for anything else — stray bytes, overlong forms, truncated sequences, a
 * lone or unpaired surrogate — so the caller refuses the message rather than guessing (two different
 * byte strings must never decode to the same text).
 */
export function decodeGmText(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return decodeCesu8Pairs(bytes);
  }
}

/** The slow path of {@link decodeGmText}: strict UTF-8 plus paired CESU-8 surrogates, else undefined. */
function decodeCesu8Pairs(bytes: Uint8Array): string | undefined {
  const units: number[] = [];
  let i = 0;
  const surrogate = (at: number, lowHalf: boolean): number | undefined => {
    const b1 = bytes[at + 1];
    const b2 = bytes[at + 2];
    if (bytes[at] !== 0xed || !isCont(b1) || !isCont(b2)) return undefined;
    if (lowHalf ? b1! < 0xb0 : b1! < 0xa0 || b1! > 0xaf) return undefined;
    return 0xd000 | ((b1! & 0x3f) << 6) | (b2! & 0x3f);
  };
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const b3 = bytes[i + 3];
    if (b0 < 0x80) {
      units.push(b0);
      i += 1;
    } else if (b0 >= 0xc2 && b0 < 0xe0 && isCont(b1)) {
      units.push(((b0 & 0x1f) << 6) | (b1! & 0x3f));
      i += 2;
    } else if (b0 === 0xed && b1 !== undefined && b1 >= 0xa0) {
      const high = surrogate(i, false);
      const low = surrogate(i + 3, true);
      if (high === undefined || low === undefined) return undefined;
      units.push(high, low);
      i += 6;
    } else if (b0 >= 0xe0 && b0 < 0xf0 && isCont(b1) && isCont(b2)) {
      const cp = ((b0 & 0x0f) << 12) | ((b1! & 0x3f) << 6) | (b2! & 0x3f);
      if (cp < 0x800) return undefined;
      units.push(cp);
      i += 3;
    } else if (b0 >= 0xf0 && b0 < 0xf5 && isCont(b1) && isCont(b2) && isCont(b3)) {
      const cp = ((b0 & 0x07) << 18) | ((b1! & 0x3f) << 12) | ((b2! & 0x3f) << 6) | (b3! & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) return undefined;
      const v = cp - 0x10000;
      units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
      i += 4;
    } else {
      return undefined;
    }
  }
  let out = '';
  for (let k = 0; k < units.length; k += 4096) {
    out += String.fromCharCode(...units.slice(k, k + 4096));
  }
  return out;
}

/** True for a UTF-8 continuation byte (10xxxxxx). */
function isCont(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/**
 * Slow path for input the strict decoder rejected. Accepts well-formed UTF-8 plus encoded
 * surrogates (which, when paired, form the right astral character in the JS string), and maps every
 * other bad byte to U+FFFD. Overlong forms are rejected so that, e.g., `C0 80` cannot smuggle a NUL.
 */
function decodeLenient(bytes: Uint8Array): string {
  const units: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    const b3 = bytes[i + 3];
    if (b0 < 0x80) {
      units.push(b0);
      i += 1;
    } else if (b0 >= 0xc2 && b0 < 0xe0 && isCont(b1)) {
      units.push(((b0 & 0x1f) << 6) | (b1! & 0x3f));
      i += 2;
    } else if (b0 >= 0xe0 && b0 < 0xf0 && isCont(b1) && isCont(b2)) {
      const cp = ((b0 & 0x0f) << 12) | ((b1! & 0x3f) << 6) | (b2! & 0x3f);
      if (cp < 0x800) {
        units.push(0xfffd);
        i += 1;
      } else {
        // Surrogates (U+D800..DFFF) pass through as code units: that is the CESU-8 case.
        units.push(cp);
        i += 3;
      }
    } else if (b0 >= 0xf0 && b0 < 0xf5 && isCont(b1) && isCont(b2) && isCont(b3)) {
      const cp = ((b0 & 0x07) << 18) | ((b1! & 0x3f) << 12) | ((b2! & 0x3f) << 6) | (b3! & 0x3f);
      if (cp < 0x10000 || cp > 0x10ffff) {
        units.push(0xfffd);
        i += 1;
      } else {
        const v = cp - 0x10000;
        units.push(0xd800 | (v >> 10), 0xdc00 | (v & 0x3ff));
        i += 4;
      }
    } else {
      units.push(0xfffd);
      i += 1;
    }
  }
  // Build in slices: spreading a huge array into fromCharCode would overflow the call stack.
  let out = '';
  for (let k = 0; k < units.length; k += 4096) {
    out += String.fromCharCode(...units.slice(k, k + 4096));
  }
  return out;
}
