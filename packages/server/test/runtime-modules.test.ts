/**
 * Loading game modules from `--runtime`: TypeScript without a build step, JavaScript, helper files,
 * and what happens when a module is broken. Also the initializer's rules and the matchmaker hook.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RuntimeLoadError } from '../src/runtime/runtime.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { call } from './http-client.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ runtime: fixture('runtime-ts') });
});
afterAll(() => server.stop());

const rpc = (id: string, payload = '') =>
  call(server.baseUrl, 'GET', `/v2/rpc/${id}?http_key=defaulthttpkey&payload=${encodeURIComponent(payload)}`);

describe('runtime modules', () => {
  it('TypeScript runtime module loaded without build (helpers imported, not loaded as modules)', async () => {
    expect(await rpc('greet', 'hi')).toMatchObject({
      status: 200,
      body: { id: 'greet', payload: JSON.stringify({ text: 'HI!', from: null }) },
    });
    expect(server.runtime.rpc.ids().sort()).toEqual(['greet', 'legacy']);
  });

  it('JavaScript modules with a named init export load too', async () => {
    expect((await rpc('legacy')).body).toEqual({ id: 'legacy', payload: 'from javascript' });
  });

  it('refuse registrations outside init and duplicate ids', async () => {
    let late: (() => void) | undefined;
    await server.runtime.run((initializer) => {
      late = () => initializer.registerRpc('late', () => '');
      expect(() => initializer.registerRpc('GREET', () => '')).toThrow("RPC 'GREET' is already registered");
      expect(() =>
        initializer.registerMatch('bad name!', { matchInit: () => null as never, matchLoop: () => null }),
      ).toThrow(/Invalid match handler name/);
    });
    expect(late).toThrow("registerRpc is only available while a module's init runs");
  });

  it('a module that fails to load stops the server from starting, naming the module', async () => {
    const failure = await startTestServer({ runtime: fixture('runtime-broken') }).then(
      async (s) => {
        await s.stop();
        throw new Error('expected startup to fail');
      },
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(RuntimeLoadError);
    expect((failure as Error).message).toBe('module broken.ts: init failed: missing configuration');
    const missing = await startTestServer({ runtime: fixture('no-such-folder') }).catch(
      (err: unknown) => err,
    );
    expect((missing as Error).message).toMatch(
      /^runtime folder '.*no-such-folder' does not exist or is not a folder$/,
    );
  });
});

describe('matchmaker hook (for the matchmaker)', () => {
  it('returns the hook’s match id, or undefined without a hook, on failure or for a non-id', async () => {
    expect(server.runtime.hooks.hasMatchmakerMatched).toBe(false);
    expect(await server.runtime.hooks.matchmakerMatched([])).toBeUndefined();
    let answer: unknown;
    await server.runtime.run((initializer, nk) => {
      initializer.registerMatch('duel', {
        matchInit: () => ({ state: {}, tickRate: 1 }),
        matchLoop: (_c, _d, _t, s) => ({ state: s }),
      });
      initializer.registerMatchmakerMatched((_ctx, entries) => {
        if (answer === 'throw') throw new Error('no');
        return answer === 'create' ? nk.matchCreate('duel', { players: entries.length }) : (answer as string);
      });
    });
    expect(server.runtime.hooks.hasMatchmakerMatched).toBe(true);
    answer = 'create';
    const id = await server.runtime.hooks.matchmakerMatched([]);
    expect(id).toMatch(new RegExp(`^[0-9a-f-]{36}\\.${server.config.node}$`));
    expect(server.runtime.nk.matchGet(id!)).toMatchObject({
      authoritative: true,
      handlerName: 'duel',
      size: 0,
    });
    answer = 'throw';
    expect(await server.runtime.hooks.matchmakerMatched([])).toBeUndefined();
    answer = 'not an id';
    expect(await server.runtime.hooks.matchmakerMatched([])).toBeUndefined();
  });
});
