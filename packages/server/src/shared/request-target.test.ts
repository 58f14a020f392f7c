import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from './request-target.ts';

/** Asserts that `target` reads as `new URL(target, 'http://localhost')` does. */
function expectAsUrl(target: string): void {
  const url = new URL(target, 'http://localhost');
  const parsed = parseRequestTarget(target);
  expect({ target, pathname: parsed.pathname, search: parsed.search }).toEqual({
    target,
    pathname: url.pathname,
    search: url.search,
  });
  const names = new Set([...url.searchParams.keys(), 'token', 'lang', 'a', 'a b', '', 'é', 'missing']);
  for (const name of names) {
    expect({ target, name, value: parsed.searchParams.get(name) }).toEqual({
      target,
      name,
      value: url.searchParams.get(name),
    });
  }
}

describe('parseRequestTarget', () => {
  it('reads plain upgrade targets by hand, as URL does', () => {
    for (const target of [
      '/ws?lang=en&status=false&token=eyJhbGciOiJIUzI1NiJ9.eyJ0aWQiOiIx.sig-_',
      '/ws',
      '/ws?',
      '/',
      '/gm?x',
      '/ws?token=a&token=b',
      '/ws?a=1=2&&&=&a',
      '/ws?a+b=c+d&a%20b=e',
      '/ws?lang=%C3%A9t%C3%A9&x=%zz&y=%&z=%2',
      '/ws?a=%FF&b=%C3',
      '/ws?a=%ED%A0%80&b=%C0%AF&c=%F4%90%80%80',
      '/ws?%=%&%25=%2525',
      '/ws?a=?b&c=/d:e@f',
      '/a//b?c',
      '/ws-x_~?q=1',
    ])
      expectAsUrl(target);
  });

  it('agrees with URL on odd targets, through URL where they are not plain', () => {
    for (const target of [
      '//evil/ws?token=x',
      '/ws/../ws?token=x',
      '/./ws?token=x',
      '/%77s?token=x',
      '/ws\\x?token=x',
      '/ws?token=a#b',
      '/ws#frag',
      '/ws?token="a"&b=<c>&d=\'e\'',
      '/ws?tok en=a b',
      '/ws?a=\tb&c=\nd',
      '/ws?é=ü&ü=%C3%BC',
      '/wś?a=1',
      'http://host:1/ws?token=abs',
      '*',
      '',
      '/ws?a=1\u007f',
      ' /ws?a=1 ',
    ])
      expectAsUrl(target);
  });

  it('agrees with URL on random targets', () => {
    const pieces = [
      'a',
      'B',
      '0',
      '/',
      '?',
      '&',
      '=',
      '+',
      '%',
      '%2',
      '%41',
      '%C3%A9',
      '%FF',
      '%E2%82',
      '.',
      '..',
      '#',
      ' ',
      '"',
      "'",
      '<',
      '>',
      '\\',
      '~',
      '-',
      '_',
      'é',
      '\t',
      ';',
      ':',
    ];
    let seed = 11;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 3000; i++) {
      let target = random(4) === 0 ? '/ws?' : '/';
      for (let n = random(12); n > 0; n--) target += pieces[random(pieces.length)];
      expectAsUrl(target);
    }
  });
});

/** What the router read before: a URL's pathname and search. */
const pick = (r: { pathname: string; search: string }) => ({ pathname: r.pathname, search: r.search });

function viaUrl(target: string) {
  const url = new URL(target, 'http://localhost');
  return { pathname: url.pathname, search: url.search };
}

function outcome<T>(read: () => T): T | { threw: string } {
  try {
    return read();
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

describe('parseRequestTarget, pathname and search (what the router reads)', () => {
  it('reads every target as new URL does: plain ones split at the ?, the others through URL', () => {
    const targets = [
      '/',
      '/v2/account/authenticate/device',
      '/v2/account/authenticate/device?create=true&',
      '/v2/account/authenticate/device?create=true&username=al+ice',
      '/v2/account/authenticate/custom?',
      '/v2/rpc/my_rpc?http_key=k&unwrap=',
      '/v2/leaderboard/board-1?limit=10&cursor=abc%3D%3D',
      '/v2/user?ids=a&ids=b&usernames=x~y',
      '/a//b/',
      '//host/path',
      '/a/./b/../c',
      '/a/%2e%2e/b',
      '/a\\b',
      '/a b?c d',
      '/caf\u00e9?q=\u00e9',
      '/a?b#frag',
      '/a?b?c',
      '/a?x=%FF',
      '/p%20q?x=1',
      '/storage/col.name/key',
      'http://other/x?y',
      '*',
    ];
    for (const t of targets) expect(pick(parseRequestTarget(t)), t).toEqual(viaUrl(t));
  });

  it('agrees with new URL on many generated targets', () => {
    const chars = '/////???..%%2eEaZ09-_~=&+#\\ :@,;!é';
    let seed = 7;
    const next = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed;
    };
    for (let n = 0; n < 5_000; n++) {
      let t = '/';
      const length = next() % 12;
      for (let i = 0; i < length; i++) t += chars[next() % chars.length];
      // Some (`//:`) are not URLs at all: both then throw.
      expect(
        outcome(() => pick(parseRequestTarget(t))),
        t,
      ).toEqual(outcome(() => viaUrl(t)));
    }
  });
});
