import { describe, expect, it } from 'vitest';
import {
  flatDocument,
  globMatches,
  jsonDocument,
  matchesQuery,
  parseQuery,
  type QueryDocument,
  QuerySyntaxError,
  type Scalar,
} from './query.ts';

function props(values: Record<string, Scalar>): QueryDocument {
  return flatDocument(Object.entries(values).map(([k, v]) => [`properties.${k}`, v] as const));
}

function holds(query: string, values: Record<string, Scalar>): boolean {
  return matchesQuery(parseQuery(query), props(values));
}

function syntaxError(query: string): QuerySyntaxError {
  try {
    parseQuery(query);
  } catch (err) {
    if (err instanceof QuerySyntaxError) return err;
    throw err;
  }
  throw new Error(`expected "${query}" to be refused`);
}

describe('query evaluation', () => {
  it('matches exact terms, case-sensitively, and numbers as numbers or text', () => {
    expect(holds('properties.mode:ranked', { mode: 'ranked' })).toBe(true);
    expect(holds('properties.mode:ranked', { mode: 'Ranked' })).toBe(false);
    expect(holds('properties.mode:ranked', {})).toBe(false);
    expect(holds('properties.rank:10', { rank: 10 })).toBe(true);
    expect(holds('properties.rank:10.0', { rank: 10 })).toBe(true);
    expect(holds('properties.rank:10', { rank: '10' })).toBe(true);
    expect(holds('properties.rank:10', { rank: 11 })).toBe(false);
    expect(holds('label.open:true', {})).toBe(false);
    expect(matchesQuery(parseQuery('label.open:true'), jsonDocument({ open: true }, 'label'))).toBe(true);
  });

  it('requires every must clause and excludes every must-not clause', () => {
    const q = '+properties.mode:ranked +properties.region:eu -properties.banned:yes';
    expect(holds(q, { mode: 'ranked', region: 'eu' })).toBe(true);
    expect(holds(q, { mode: 'ranked', region: 'us' })).toBe(false);
    expect(holds(q, { mode: 'ranked', region: 'eu', banned: 'yes' })).toBe(false);
  });

  it('needs one should clause when there is no must clause, none when there is one', () => {
    expect(holds('properties.a:x properties.b:y', { b: 'y' })).toBe(true);
    expect(holds('properties.a:x properties.b:y', { c: 'z' })).toBe(false);
    expect(holds('properties.a:x +properties.id:t1', { id: 't1' })).toBe(true);
    expect(holds('properties.a:x -properties.b:y', { a: 'x' })).toBe(true);
    expect(holds('properties.a:x -properties.b:y', { c: 'x' })).toBe(false);
  });

  it('treats a must-not-only query as "everything else", and * or "" as everything', () => {
    expect(holds('-properties.mode:casual', { mode: 'ranked' })).toBe(true);
    expect(holds('-properties.mode:casual', { mode: 'casual' })).toBe(false);
    expect(holds('*', {})).toBe(true);
    expect(holds('', {})).toBe(true);
    expect(holds('   ', {})).toBe(true);
    expect(holds('* -properties.mode:casual', { mode: 'casual' })).toBe(false);
  });

  it('compares numeric ranges with >=, >, <=, < and [a TO b] / {a TO b}', () => {
    const q = '+properties.rank:>=10 +properties.rank:<=20';
    expect(holds(q, { rank: 10 })).toBe(true);
    expect(holds(q, { rank: 20 })).toBe(true);
    expect(holds(q, { rank: 25 })).toBe(false);
    expect(holds(q, { rank: '15' })).toBe(false);
    expect(holds('properties.rank:>10', { rank: 10 })).toBe(false);
    expect(holds('properties.rank:<10', { rank: 9.5 })).toBe(true);
    expect(holds('properties.rank:>=-5', { rank: -5 })).toBe(true);
    expect(holds('properties.rank:[10 TO 20]', { rank: 20 })).toBe(true);
    expect(holds('properties.rank:{10 TO 20}', { rank: 20 })).toBe(false);
    expect(holds('properties.rank:[10 TO 20}', { rank: 10 })).toBe(true);
    expect(holds('properties.rank:[10 TO *]', { rank: 1e9 })).toBe(true);
    expect(holds('properties.rank:[* TO 0]', { rank: 1 })).toBe(false);
  });

  it('matches quoted phrases, wildcards, field-less terms, escapes, and ignores boosts', () => {
    expect(holds('properties.name:"big map"', { name: 'big map' })).toBe(true);
    expect(holds('properties.name:"big map"', { name: 'big' })).toBe(false);
    expect(holds('properties.name:"say \\"hi\\""', { name: 'say "hi"' })).toBe(true);
    expect(holds('properties.map:de_*', { map: 'de_dust' })).toBe(true);
    expect(holds('properties.map:d?_dust', { map: 'de_dust' })).toBe(true);
    expect(holds('properties.map:*', { map: '' })).toBe(true);
    expect(holds('+properties.map:*', { other: 1 })).toBe(false);
    expect(holds('properties.map:de\\*', { map: 'de_dust' })).toBe(false);
    expect(holds('properties.map:de\\*', { map: 'de*' })).toBe(true);
    expect(holds('ranked', { mode: 'ranked' })).toBe(true);
    expect(holds('"big map"', { name: 'big map' })).toBe(true);
    expect(holds('properties.url:a\\:b', { url: 'a:b' })).toBe(true);
    expect(holds('properties.mode:ranked^2 properties.rank:>=3^1.5', { rank: 4 })).toBe(true);
  });

  it('reads label fields from nested JSON with dotted paths and arrays', () => {
    const doc = jsonDocument({ skill: 50, mode: { name: 'ctf' }, tags: ['a', 'b'], gone: null }, 'label');
    expect(matchesQuery(parseQuery('+label.skill:>=50 +label.mode.name:ctf +label.tags:b'), doc)).toBe(true);
    expect(matchesQuery(parseQuery('+label.gone:*'), doc)).toBe(false);
  });
});

describe('query syntax errors', () => {
  it.each([
    ['properties.a:"open', /unterminated quoted phrase at position 13/],
    ['properties.a:', /missing value after "properties.a:"/],
    ['+', /"\+" must be followed by a clause/],
    ['properties.rank:>=ten', /"properties.rank:>=" needs a number, got "ten"/],
    ['properties.rank:>="2020"', /needs a number \(text and date ranges are not supported\)/],
    ['properties.rank:[1 TO', /unterminated range/],
    ['properties.rank:[1 2]', /a range must look like \[min TO max\]/],
    ['properties.rank:[a TO 2]', /range bound "a" is not a number/],
    ['properties.a:/x+/', /regular expressions are not supported/],
    ['properties.a:foo~2', /fuzzy matching/],
    ['(properties.a:x)', /grouping with parentheses is not supported/],
    ['properties.a:x AND properties.b:y', /"AND" is not an operator here/],
    ['properties.a:x^', /a boost "\^" must be followed by a number/],
    [':x', /a field name must be plain text/],
    ['properties.a:x"y', /unexpected/],
    ['properties.a:"x"y', /unexpected "y"/],
  ])('%s', (query, message) => {
    expect(syntaxError(query).message).toMatch(message);
  });

  it('bounds the query size and clause count', () => {
    expect(syntaxError('a'.repeat(5000)).message).toMatch(/query too long/);
    expect(syntaxError(Array.from({ length: 65 }, (_, i) => `p.a:${i}`).join(' ')).message).toMatch(
      /too many clauses/,
    );
  });
});

describe('globMatches', () => {
  it('handles stars, question marks and escapes without backtracking blow-up', () => {
    expect(globMatches('a*b*c', 'axxbyyc')).toBe(true);
    expect(globMatches('a*b*c', 'axxbyy')).toBe(false);
    expect(globMatches('*', '')).toBe(true);
    expect(globMatches('?', '')).toBe(false);
    expect(globMatches('\\?', '?')).toBe(true);
    expect(globMatches('\\?', 'x')).toBe(false);
    const started = performance.now();
    expect(globMatches('*a*a*a*a*a*a*a*b', 'a'.repeat(5000))).toBe(false);
    expect(performance.now() - started).toBeLessThan(500);
  });
});
