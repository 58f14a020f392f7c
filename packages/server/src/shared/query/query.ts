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
import type { Query, QueryClause, ValueTest } from './query-parser.ts';

export {
  MAX_QUERY_CHARS,
  MAX_QUERY_CLAUSES,
  Occur,
  parseQuery,
  type Query,
  type QueryClause,
  QuerySyntaxError,
  type ValueTest,
} from './query-parser.ts';

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
