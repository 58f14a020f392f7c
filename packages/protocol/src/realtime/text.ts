/**
 * Text checks shared by the message schemas and the client SDK. No zod here: the browser SDK imports
 * these, and the schema library would otherwise be most of its bundle.
 *
 * @packageDocumentation
 */

/**
 * UTF-8 length of a string in bytes, without allocating (no `TextEncoder`). Nakama measures limits
 * such as "Status must be 2048 characters or less" with Go's `len()`, which counts bytes, so Tether
 * does too. A lone surrogate counts 3 bytes, as it becomes U+FFFD when encoded.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * True if the string has no lone surrogates, i.e. it encodes to valid UTF-8. JSON text can smuggle
 * lone surrogates in through `\ud800` escapes; Go would reject them as invalid UTF-8.
 */
export function isWellFormed(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return false;
  }
  return true;
}

/** True if the string contains an ASCII control character (POSIX `[[:cntrl:]]`: U+0000–U+001F, U+007F). */
export function hasControlChars(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** True if the text parses as a JSON object (not an array, not `null`). */
export function isJsonObjectText(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
