import { afterEach, describe, expect, it, vi } from 'vitest';
import { TetherApiError } from './api-error.ts';
import { type FetchLike, TetherClient } from './http-client.ts';

const token = (() => {
  const seg = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${seg({ alg: 'HS256' })}.${seg({ uid: 'u1', usn: 'ann', exp: 4_000_000_000 })}.sig`;
})();

/** A fetch that never answers, but honours its abort signal like the real one. */
const hangingFetch: FetchLike = (_url, init) =>
  new Promise((_resolve, reject) => {
    init.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')));
  });

afterEach(() => vi.restoreAllMocks());

/** Calls of setTimeout with `ms`, and whether each handle was cleared. */
function watch(ms: number) {
  const set = vi.spyOn(globalThis, 'setTimeout');
  const clear = vi.spyOn(globalThis, 'clearTimeout');
  return () =>
    set.mock.calls.flatMap((call, i) => {
      if (call[1] !== ms) return [];
      const handle = set.mock.results[i]?.value as unknown;
      return [clear.mock.calls.some((c) => c[0] === handle)];
    });
}

describe('TetherClient over an injected fetch', () => {
  it('times out with kind timeout, and clears the timer on every outcome', async () => {
    const timers = watch(321);
    const slow = new TetherClient({ timeoutMs: 321, fetch: hangingFetch });
    const err = await slow.authenticateDevice('device-000001').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TetherApiError);
    expect(err).toMatchObject({
      kind: 'timeout',
      status: 0,
      request: 'POST /v2/account/authenticate/device',
    });
    expect((err as Error).message).toBe(
      'POST /v2/account/authenticate/device timed out after 321 ms (no response)',
    );

    const calls: { url: string; init: RequestInit }[] = [];
    const ok = new TetherClient({
      host: '::1',
      timeoutMs: 321,
      serverKey: 'ключ',
      fetch: async (url, init) => {
        calls.push({ url, init });
        return new Response(JSON.stringify({ token, refresh_token: token, created: true }), { status: 200 });
      },
    });
    const session = await ok.authenticateCustom('custom-1', { create: false, username: 'ann' });
    expect(session.username).toBe('ann');
    expect(calls[0]?.url).toBe('http://[::1]:7350/v2/account/authenticate/custom?create=false&username=ann');
    const auth = (calls[0]!.init.headers as Record<string, string>).Authorization;
    expect(Buffer.from(auth!.slice(6), 'base64').toString()).toBe('ключ:');

    const failing = new TetherClient({
      timeoutMs: 321,
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502 }),
    });
    const gateway = await failing.getAccount(session).catch((e: unknown) => e);
    expect(gateway).toMatchObject({ kind: 'http', status: 502, grpcCode: undefined });
    expect((gateway as Error).message).toBe('HTTP 502: <html>bad gateway</html>');

    const broken = new TetherClient({ timeoutMs: 321, fetch: async () => new Response('{"nope":1}') });
    expect(await broken.sessionRefresh(session).catch((e: unknown) => e)).toMatchObject({
      kind: 'invalid_response',
    });
    // Four calls, four timers, each cleared in `finally` (the first had fired already: a no-op).
    expect(timers()).toEqual([true, true, true, true]);
  });
});
