/**
 * The parser of {@link parseQuery}: Bleve query string syntax to a {@link Query}, with errors that
 * say what is wrong and where. See `query.ts` for the syntax; import from there.
 *
 * @packageDocumentation
 */

/** How a clause takes part in the query. */
export const Occur = { MUST: 'must', SHOULD: 'should', MUST_NOT: 'must_not' } as const;
/** One of {@link Occur}. */
export type Occur = (typeof Occur)[keyof typeof Occur];

/** What a clause tests a value against. */
export type ValueTest =
  /** Matches every document (`*`). */
  | { readonly kind: 'all' }
  /** Exact text; `number` is set when the text is numeric, so numeric values compare as numbers. */
  | { readonly kind: 'exact'; readonly text: string; readonly number: number | undefined }
  /** Glob over the value's text. */
  | { readonly kind: 'wildcard'; readonly pattern: string }
  /** Numeric interval; an absent bound is open. */
  | {
      readonly kind: 'range';
      readonly min: number | undefined;
      readonly max: number | undefined;
      readonly minInclusive: boolean;
      readonly maxInclusive: boolean;
    };

/** One clause of a query. */
export interface QueryClause {
  readonly occur: Occur;
  /** The full field name, or `undefined` for "any field". */
  readonly field: string | undefined;
  readonly test: ValueTest;
}

/** A parsed query, ready to evaluate many times. */
export interface Query {
  /** The query text as given. */
  readonly text: string;
  readonly must: readonly QueryClause[];
  readonly should: readonly QueryClause[];
  readonly mustNot: readonly QueryClause[];
}

/** A malformed query. The message says what is wrong and where (0-based character position). */
export class QuerySyntaxError extends Error {
  override readonly name = 'QuerySyntaxError';
  /** 0-based position in the query text where the problem was found. */
  readonly position: number;

  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.position = position;
  }
}

/** Longest query accepted, in characters: parsing and evaluation stay cheap for every ticket. */
export const MAX_QUERY_CHARS = 4096;
/** Most clauses in one query. */
export const MAX_QUERY_CLAUSES = 64;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN_WORDS = new Set(['AND', 'OR', 'NOT', '&&', '||']);

/** Parses a number the way query values are written; `undefined` if the text is not one. */
function toNumber(text: string): number | undefined {
  if (!NUMBER.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** A word read from the query: its text with escapes resolved, and whether it has live wildcards. */
interface Word {
  readonly text: string;
  readonly wildcard: boolean;
  /** The glob with escaped `*`/`?` kept literal (escaped with `\`), when `wildcard`. */
  readonly pattern: string;
  readonly start: number;
}

/** Recursive-descent reader over one query string. */
class Parser {
  readonly #src: string;
  #i = 0;

  constructor(src: string) {
    this.#src = src;
  }

  parse(): Query {
    const must: QueryClause[] = [];
    const should: QueryClause[] = [];
    const mustNot: QueryClause[] = [];
    let count = 0;
    for (;;) {
      this.#skipSpace();
      if (this.#i >= this.#src.length) break;
      if (++count > MAX_QUERY_CLAUSES) {
        throw new QuerySyntaxError(`too many clauses (at most ${MAX_QUERY_CLAUSES})`, this.#i);
      }
      const clause = this.#clause();
      if (clause.occur === Occur.MUST) must.push(clause);
      else if (clause.occur === Occur.MUST_NOT) mustNot.push(clause);
      else should.push(clause);
    }
    if (count === 0) should.push({ occur: Occur.SHOULD, field: undefined, test: { kind: 'all' } });
    return { text: this.#src, must, should, mustNot };
  }

  #clause(): QueryClause {
    let occur: Occur = Occur.SHOULD;
    const c = this.#src[this.#i];
    if (c === '+' || c === '-') {
      occur = c === '+' ? Occur.MUST : Occur.MUST_NOT;
      this.#i++;
      if (this.#atBoundary()) throw new QuerySyntaxError(`"${c}" must be followed by a clause`, this.#i);
    }
    const next = this.#src[this.#i];
    if (next === '"') {
      const text = this.#quoted();
      this.#suffix(text);
      return { occur, field: undefined, test: exact(text) };
    }
    const head = this.#word(true);
    if (this.#src[this.#i] === ':') {
      if (head.text === '' || head.wildcard) {
        throw new QuerySyntaxError('a field name must be plain text before ":"', head.start);
      }
      this.#i++;
      return { occur, field: head.text, test: this.#value(head.text) };
    }
    if (head.text === '') throw new QuerySyntaxError(`unexpected "${this.#src[this.#i]}"`, this.#i);
    this.#suffix(head.text);
    if (!head.wildcard && BOOLEAN_WORDS.has(head.text)) {
      throw new QuerySyntaxError(
        `"${head.text}" is not an operator here: prefix clauses with + (must) or - (must not) instead`,
        head.start,
      );
    }
    if (head.wildcard && head.pattern === '*') return { occur, field: undefined, test: { kind: 'all' } };
    return {
      occur,
      field: undefined,
      test: head.wildcard ? { kind: 'wildcard', pattern: head.pattern } : exact(head.text),
    };
  }

  /** The value after `field:`. */
  #value(field: string): ValueTest {
    if (this.#atBoundary()) throw new QuerySyntaxError(`missing value after "${field}:"`, this.#i);
    const c = this.#src[this.#i]!;
    if (c === '"') {
      const text = this.#quoted();
      this.#suffix(text);
      return exact(text);
    }
    if (c === '>' || c === '<') return this.#comparison(field);
    if (c === '[' || c === '{') return this.#interval(field);
    if (c === '/') throw new QuerySyntaxError('regular expressions are not supported', this.#i);
    const word = this.#word(false);
    this.#suffix(word.text);
    if (word.text === '') throw new QuerySyntaxError(`missing value after "${field}:"`, word.start);
    return word.wildcard ? { kind: 'wildcard', pattern: word.pattern } : exact(word.text);
  }

  /** `>=N`, `>N`, `<=N`, `<N`. */
  #comparison(field: string): ValueTest {
    const greater = this.#src[this.#i] === '>';
    this.#i++;
    const inclusive = this.#src[this.#i] === '=';
    if (inclusive) this.#i++;
    const op = `${greater ? '>' : '<'}${inclusive ? '=' : ''}`;
    if (this.#src[this.#i] === '"') {
      throw new QuerySyntaxError(
        `"${field}:${op}" needs a number (text and date ranges are not supported)`,
        this.#i,
      );
    }
    const word = this.#word(false);
    this.#suffix(word.text);
    const n = toNumber(word.text);
    if (word.wildcard || n === undefined) {
      throw new QuerySyntaxError(`"${field}:${op}" needs a number, got "${word.text}"`, word.start);
    }
    return greater
      ? { kind: 'range', min: n, max: undefined, minInclusive: inclusive, maxInclusive: false }
      : { kind: 'range', min: undefined, max: n, minInclusive: false, maxInclusive: inclusive };
  }

  /** `[a TO b]` / `{a TO b}`, brackets mixable, `*` for an open bound. */
  #interval(field: string): ValueTest {
    const start = this.#i;
    const minInclusive = this.#src[this.#i] === '[';
    const close = this.#src.slice(this.#i + 1).search(/[\]}]/);
    if (close < 0) throw new QuerySyntaxError(`unterminated range after "${field}:"`, start);
    const end = this.#i + 1 + close;
    const maxInclusive = this.#src[end] === ']';
    const parts = this.#src
      .slice(this.#i + 1, end)
      .trim()
      .split(/\s+/);
    if (parts.length !== 3 || parts[1] !== 'TO') {
      throw new QuerySyntaxError(`a range must look like [min TO max] after "${field}:"`, start);
    }
    const bound = (text: string): number | undefined => {
      if (text === '*') return undefined;
      const n = toNumber(text);
      if (n === undefined) throw new QuerySyntaxError(`range bound "${text}" is not a number`, start);
      return n;
    };
    const min = bound(parts[0]!);
    const max = bound(parts[2]!);
    this.#i = end + 1;
    this.#boost();
    if (!this.#atBoundary()) throw new QuerySyntaxError('expected a space after the range', this.#i);
    return {
      kind: 'range',
      min,
      max,
      minInclusive: min !== undefined && minInclusive,
      maxInclusive: max !== undefined && maxInclusive,
    };
  }

  /**
   * Reads an unquoted word up to a space (or `:` when it may be a field name), `^` or `~`, resolving
   * escapes. `(`/`)` are refused: Bleve has no grouping.
   */
  #word(mayBeField: boolean): Word {
    const start = this.#i;
    let text = '';
    let pattern = '';
    let wildcard = false;
    while (this.#i < this.#src.length) {
      const c = this.#src[this.#i]!;
      if (c === '\\') {
        const escaped = this.#src[this.#i + 1];
        if (escaped === undefined)
          throw new QuerySyntaxError('a "\\" must be followed by a character', this.#i);
        text += escaped;
        pattern += escaped === '*' || escaped === '?' || escaped === '\\' ? `\\${escaped}` : escaped;
        this.#i += 2;
        continue;
      }
      if (isSpace(c) || c === '^' || c === '~' || (mayBeField && c === ':')) break;
      if (c === '(' || c === ')') {
        throw new QuerySyntaxError(
          'grouping with parentheses is not supported (escape it as "\\(")',
          this.#i,
        );
      }
      if (c === '"')
        throw new QuerySyntaxError("unexpected '\"' inside a word (escape it as '\\\"')", this.#i);
      if (c === '*' || c === '?') wildcard = true;
      text += c;
      pattern += c;
      this.#i++;
    }
    return { text, wildcard, pattern, start };
  }

  /** After a word: an optional boost, then a clause boundary. `~` (fuzzy) is refused. */
  #suffix(after: string): void {
    if (this.#src[this.#i] === '~') {
      throw new QuerySyntaxError(`fuzzy matching ("~") is not supported (after "${after}")`, this.#i);
    }
    this.#boost();
    if (!this.#atBoundary()) throw new QuerySyntaxError(`unexpected "${this.#src[this.#i]}"`, this.#i);
  }

  /** `"..."` with `\` escapes; returns the text. */
  #quoted(): string {
    const start = this.#i;
    this.#i++;
    let text = '';
    while (this.#i < this.#src.length) {
      const c = this.#src[this.#i]!;
      if (c === '\\' && this.#i + 1 < this.#src.length) {
        text += this.#src[this.#i + 1];
        this.#i += 2;
        continue;
      }
      if (c === '"') {
        this.#i++;
        return text;
      }
      text += c;
      this.#i++;
    }
    throw new QuerySyntaxError('unterminated quoted phrase', start);
  }

  /** An optional `^N` boost; parsed and ignored, as there is no scoring. */
  #boost(): void {
    if (this.#src[this.#i] !== '^') return;
    const start = this.#i;
    this.#i++;
    const m = /^\d+(?:\.\d+)?/.exec(this.#src.slice(this.#i));
    if (!m) throw new QuerySyntaxError('a boost "^" must be followed by a number', start);
    this.#i += m[0].length;
  }

  #atBoundary(): boolean {
    return this.#i >= this.#src.length || isSpace(this.#src[this.#i]!);
  }

  #skipSpace(): void {
    while (this.#i < this.#src.length && isSpace(this.#src[this.#i]!)) this.#i++;
  }
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

function exact(text: string): ValueTest {
  return { kind: 'exact', text, number: toNumber(text) };
}

/**
 * Parses a query string. An empty (or blank) query matches everything, like `*`.
 *
 * @throws {@link QuerySyntaxError} saying what is wrong and where
 */
export function parseQuery(text: string): Query {
  if (text.length > MAX_QUERY_CHARS) {
    throw new QuerySyntaxError(`query too long (at most ${MAX_QUERY_CHARS} characters)`, MAX_QUERY_CHARS);
  }
  return new Parser(text).parse();
}
