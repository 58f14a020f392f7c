/**
 * Writing JSON text straight into bytes, for responses large enough that the usual
 * object → `JSON.stringify` → string → Buffer chain shows in a profile: the pieces go into one
 * reused scratch buffer outside the JavaScript heap, and the result is one Buffer of the exact size.
 * Strings come out as `JSON.stringify` writes them (it escapes them when they need it).
 *
 * @packageDocumentation
 */

/** Whether `s` has a character `JSON.stringify` escapes (or a surrogate, escaped when unpaired). */
function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === QUOTE || c === BACKSLASH || (c >= 0xd800 && c <= 0xdfff)) return true;
  }
  return false;
}

/** The largest scratch buffer kept between texts. */
const KEEP_BYTES = 1024 * 1024;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const ZERO = 0x30;

/**
 * One JSON text being written. Not reentrant: take one, write it to the end, then {@link bytes}.
 * ASCII is copied a character at a time in JavaScript: a native `Buffer.write` per piece costs more
 * than the copy for the short pieces of a JSON text (keys, ids, numbers).
 */
export class JsonBytes {
  #buf: Buffer;
  #at = 0;

  readonly #initial: number;

  constructor(initial = 64 * 1024) {
    this.#initial = initial;
    this.#buf = Buffer.allocUnsafe(initial);
  }

  /** Starts a new text, reusing the scratch buffer. */
  reset(): this {
    this.#at = 0;
    return this;
  }

  /**
   * The text written since {@link reset}, copied into a Buffer of its own. A scratch buffer grown
   * past {@link KEEP_BYTES} by an unusually large text is let go, so it is not held for good.
   */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(this.#at);
    this.#buf.copy(out, 0, 0, this.#at);
    if (this.#buf.length > KEEP_BYTES) this.#buf = Buffer.allocUnsafe(this.#initial);
    return out;
  }

  /** ASCII text as is (punctuation, keys with their quotes, digits). */
  raw(ascii: string): this {
    const n = ascii.length;
    this.#room(n);
    const buf = this.#buf;
    let at = this.#at;
    for (let i = 0; i < n; i++) buf[at++] = ascii.charCodeAt(i);
    this.#at = at;
    return this;
  }

  /** A JSON string, as `JSON.stringify(s)` writes it. */
  string(s: string): this {
    const n = s.length;
    this.#room(n + 2);
    const buf = this.#buf;
    const start = this.#at;
    let at = start;
    buf[at++] = QUOTE;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c >= 0x7f || c === QUOTE || c === BACKSLASH) {
        // Escapes or non-ASCII: JSON.stringify's rules, or UTF-8 for the rest.
        this.#at = start;
        return needsEscape(s) ? this.#utf8(JSON.stringify(s)) : this.#quotedUtf8(s);
      }
      buf[at++] = c;
    }
    buf[at++] = QUOTE;
    this.#at = at;
    return this;
  }

  /**
   * A time as `formatTimestamp` writes it (a JSON string), with `write` being protocol's
   * `writeTimestamp` and `format` its `formatTimestamp` for the years it does not write.
   */
  timestamp(
    ms: number,
    write: (ms: number, out: Uint8Array, at: number) => number,
    format: (ms: number) => string,
  ): this {
    this.#room(22);
    const buf = this.#buf;
    buf[this.#at] = QUOTE;
    const n = write(ms, buf, this.#at + 1);
    if (n === 0) return this.string(format(ms));
    this.#at += n + 1;
    buf[this.#at++] = QUOTE;
    return this;
  }

  /** A string with no character to escape, quoted, as UTF-8. */
  #quotedUtf8(s: string): this {
    this.#room(s.length * 3 + 2);
    const buf = this.#buf;
    buf[this.#at++] = QUOTE;
    this.#at += buf.write(s, this.#at, 'utf8');
    buf[this.#at++] = QUOTE;
    return this;
  }

  /** Text as is, any characters (UTF-8; a JSON text's escaped strings keep non-ASCII ones). */
  #utf8(s: string): this {
    this.#room(s.length * 3);
    this.#at += this.#buf.write(s, this.#at, 'utf8');
    return this;
  }

  /** A number, as `JSON.stringify(n)` writes it; non-negative safe integers without a string. */
  number(n: number): this {
    if (!(Number.isSafeInteger(n) && n >= 0)) return this.raw(JSON.stringify(n));
    this.#room(16);
    this.#digits(n);
    return this;
  }

  /** A non-negative safe integer as a JSON string (`"42"`, int64 in proto3 JSON). */
  intString(n: number): this {
    if (!(Number.isSafeInteger(n) && n >= 0)) return this.string(String(n));
    this.#room(18);
    this.#buf[this.#at++] = QUOTE;
    this.#digits(n);
    this.#buf[this.#at++] = QUOTE;
    return this;
  }

  /** A bigint as a JSON string (`"42"`, int64 in proto3 JSON); safe integers without a string. */
  bigintString(v: bigint): this {
    return v >= 0n && v <= MAX_SAFE ? this.intString(Number(v)) : this.string(v.toString());
  }

  #digits(n: number): void {
    const buf = this.#buf;
    let len = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) len++;
    let i = this.#at + len;
    this.#at = i;
    let v = n;
    do {
      const q = Math.floor(v / 10);
      buf[--i] = ZERO + (v - q * 10);
      v = q;
    } while (v > 0);
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + n));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }
}
