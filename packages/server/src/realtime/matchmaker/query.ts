/**
 * Query strings in the syntax of Nakama's matchmaker and match listing (Bleve's query string language):
 * a parser that reports what is wrong with a malformed query, and an evaluator over any document.
 *
 * Pure: no I/O, no Node modules, no module state. The matchmaker evaluates `properties.*` fields of
 * tickets; match listing can evaluate `label.*` fields of match labels with {@link jsonDocument}.
 *
 * Syntax (clauses separated by spaces):
 *
 * | Clause | Meaning |
 * |---|---|
 * | `+clause` / `-clause` / `clause` | must / must not / should |
 * | `field:value` | the field has exactly this value (text, or a number: `properties.rank:10` matches 10 and "10") |
 * | `field:"a phrase"` | the field is exactly this text (spaces allowed) |
 * | `field:>=10`, `>10`, `<=10`, `<10` | numeric comparison |
 * | `field:[10 TO 20]`, `{10 TO 20}` (mixable, `*` for open) | numeric range, `[]` inclusive, `{}` exclusive |
 * | `field:ab*`, `field:a?c`, `field:*` | wildcard over the text (`*` any run, `?` one character); `field:*` = has the field |
 * | `value` / `"a phrase"` (no field) | some field of the document has this value |
 * | `*` | matches every document |
 * | `...^2` | boost: accepted and ignored (there is no scoring) |
 * | `\x` | escapes a special character (`\:`, `\ `, `\"`, `\+`...) |
 *
 * Evaluation: every must clause holds, no must-not clause holds, and, when there is no must clause,
 * at least one should clause holds (should clauses next to a must clause only rank results in Bleve, so
 * they do not filter here). A query of only must-not clauses matches everything else. Text comparison
 * is exact and case-sensitive (Nakama indexes properties as keywords). Refused with a
 * {@link QuerySyntaxError}: regular expressions (`/re/`, a denial-of-service risk on a shared server),
 * fuzzy terms (`~`), grouping parentheses and `AND`/`OR`/`NOT` words, which Bleve does not support
 * either but would silently treat as plain terms.
 *
 * @packageDocumentation
 */

/** A single field value a document can hold. */
export type Scalar = string | number | boolean;

/** What a document holds for one field: one value, several (arrays), or nothing. */
export type FieldValue = Scalar | readonly Scalar[] | undefined;

/** Anything a query can be evaluated against. */
export interface QueryDocument {
  /** The value(s) of one field, by its full dotted name (`properties.mode`, `label.skill`). */
  get(field: string): FieldValue;
  /** Every value of the document, for clauses without a field. */
  values(): Iterable<Scalar>;
}

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

/** True if the document satisfies the query (see the module documentation for the rules). */
export function matchesQuery(query: Query, doc: QueryDocument): boolean {
  for (const clause of query.must) if (!clauseHolds(clause, doc)) return false;
  for (const clause of query.mustNot) if (clauseHolds(clause, doc)) return false;
  if (query.must.length > 0 || query.should.length === 0) return true;
  for (const clause of query.should) if (clauseHolds(clause, doc)) return true;
  return false;
}

/** True if the clause's test holds for the document (ignoring its occurrence). */
export function clauseHolds(clause: QueryClause, doc: QueryDocument): boolean {
  const { test } = clause;
  if (test.kind === 'all') return true;
  if (clause.field === undefined) {
    for (const v of doc.values()) if (valueMatches(test, v)) return true;
    return false;
  }
  const value = doc.get(clause.field);
  if (value === undefined) return false;
  if (typeof value !== 'object') return valueMatches(test, value);
  for (const v of value) if (valueMatches(test, v)) return true;
  return false;
}

/** True if one scalar value passes a test. */
export function valueMatches(test: ValueTest, value: Scalar): boolean {
  switch (test.kind) {
    case 'all':
      return true;
    case 'exact':
      return typeof value === 'number' ? test.number === value : String(value) === test.text;
    case 'wildcard':
      return globMatches(test.pattern, String(value));
    case 'range': {
      if (typeof value !== 'number') return false;
      if (test.min !== undefined && (test.minInclusive ? value < test.min : value <= test.min)) return false;
      if (test.max !== undefined && (test.maxInclusive ? value > test.max : value >= test.max)) return false;
      return true;
    }
  }
}

/**
 * Glob match (`*` any run, `?` one character, `\` escapes) in O(pattern × text) time at worst, with no
 * regular expression, so a hostile pattern cannot make matching slow.
 */
export function globMatches(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    const c = pattern[p];
    if (c === '*') {
      starP = ++p;
      starT = t;
      continue;
    }
    const escaped = c === '\\' && p + 1 < pattern.length;
    const literal = escaped ? pattern[p + 1] : c;
    if (literal !== undefined && (literal === text[t] || (!escaped && c === '?'))) {
      p += escaped ? 2 : 1;
      t++;
      continue;
    }
    if (starP < 0) return false;
    p = starP;
    t = ++starT;
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * A document over flat `field → value` entries, e.g. a matchmaker ticket's properties under
 * `properties.`. Later entries for the same field add values rather than replace them.
 *
 * @param entries - full field names and their values
 */
export function flatDocument(entries: Iterable<readonly [string, Scalar]>): QueryDocument {
  const fields = new Map<string, Scalar[]>();
  const all: Scalar[] = [];
  for (const [field, value] of entries) {
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
    all.push(value);
  }
  return {
    get: (field) => {
      const list = fields.get(field);
      return list === undefined ? undefined : list.length === 1 ? list[0] : list;
    },
    values: () => all,
  };
}

/**
 * A document over a parsed JSON value (a match label): nested objects become dotted field names under
 * `prefix` (`{"skill": 5}` with prefix `label` gives `label.skill`), arrays give several values, `null`
 * is absent. Depth is capped at 32 levels; deeper values are ignored.
 *
 * @param value - the parsed JSON
 * @param prefix - the name of the root (`label`), or `""` for none
 */
export function jsonDocument(value: unknown, prefix: string): QueryDocument {
  const entries: [string, Scalar][] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (depth > 32 || v === null || v === undefined) return;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      entries.push([path, v]);
    } else if (Array.isArray(v)) {
      for (const item of v) walk(item, path, depth + 1);
    } else if (typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) walk(child, path === '' ? k : `${path}.${k}`, depth + 1);
    }
  };
  walk(value, prefix, 0);
  return flatDocument(entries);
}
