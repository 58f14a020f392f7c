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
