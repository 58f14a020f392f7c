import { describe, expect, it } from 'vitest';
import { requestTarget } from './request-target.ts';

/** What the router read before: a URL's pathname and search. */
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

describe('requestTarget', () => {
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
    for (const t of targets) expect(requestTarget(t), t).toEqual(viaUrl(t));
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
        outcome(() => requestTarget(t)),
        t,
      ).toEqual(outcome(() => viaUrl(t)));
    }
  });
});
