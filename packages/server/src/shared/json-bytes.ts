/**
 * Writing JSON text straight into bytes, for responses large enough that the usual
 * object → `JSON.stringify` → string → Buffer chain shows in a profile: the pieces go into one
 * reused scratch buffer outside the JavaScript heap, and the result is one Buffer of the exact size.
 * Strings come out as `JSON.stringify` writes them (it escapes them when they need it).
 *
 * @packageDocumentation
 */

/** Characters `JSON.stringify` escapes (and surrogates, which it escapes when unpaired). */
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

const QUOTE = 0x22;
const ZERO = 0x30;

/** One JSON text being written. Not reentrant: take one, write it to the end, then {@link bytes}. */
export class JsonBytes {
  #buf: Buffer;
  #at = 0;

  constructor(initial = 64 * 1024) {
    this.#buf = Buffer.allocUnsafe(initial);
  }

  /** Starts a new text, reusing the scratch buffer. */
  reset(): this {
    this.#at = 0;
    return this;
  }

  /** The text written since {@link reset}, copied into a Buffer of its own. */
  bytes(): Buffer {
    const out = Buffer.allocUnsafe(this.#at);
    this.#buf.copy(out, 0, 0, this.#at);
    return out;
  }

  /** ASCII text as is (punctuation, keys with their quotes). */
  raw(ascii: string): this {
    this.#room(ascii.length);
    this.#at += this.#buf.write(ascii, this.#at, 'latin1');
    return this;
  }

  /** A JSON string, as `JSON.stringify(s)` writes it. */
  string(s: string): this {
    if (NEEDS_ESCAPE.test(s)) return this.#utf8(JSON.stringify(s));
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
