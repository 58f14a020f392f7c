/**
 * A JSON response body that can write its own text, for bodies whose objects cost more to build and
 * stringify than the text costs to write (record lists of a hundred rows). The router sends
 * {@link JsonText.text}; an API after hook, and anything else that wants the body as an object, gets
 * {@link JsonText.value} (of which `text()` is the JSON). `JSON.stringify` of one gives the same bytes.
 *
 * @packageDocumentation
 */

/** A response body given both as an object (built on demand) and as its JSON text. */
export class JsonText {
  readonly #value: () => unknown;
  readonly #text: () => string;

  /**
   * @param value - builds the body as an object
   * @param text - writes exactly `JSON.stringify(value())`
   */
  constructor(value: () => unknown, text: () => string) {
    this.#value = value;
    this.#text = text;
  }

  /** The body as an object (a new one each call). */
  value(): unknown {
    return this.#value();
  }

  /** The body's JSON text. */
  text(): string {
    return this.#text();
  }

  /** What `JSON.stringify` writes for this body: the object's JSON. */
  toJSON(): unknown {
    return this.#value();
  }
}

/** `body` as an object: {@link JsonText.value} of a {@link JsonText}, anything else as it is. */
export function bodyValue(body: unknown): unknown {
  return body instanceof JsonText ? body.value() : body;
}
