import { Client, type Session } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';

// The unmodified nakama-js 2.8.0 client against a real server, on every available backend.
const backends = await testBackends('accounts (nakama-js)');
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** The status of what nakama-js rejected with (it throws the fetch Response). */
async function statusOf(p: Promise<unknown>): Promise<number> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  return (err as Response).status;
}

describe.each(backends)('accounts with nakama-js on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    await server?.stop();
    await store?.dispose();
    server = undefined;
    store = undefined;
  });

  async function start(overrides: Partial<TetherConfig> = {}): Promise<Client> {
    store = backend.newStore();
    server = await store.start(overrides);
    return new Client('defaultkey', '127.0.0.1', String(server.http.port), false);
  }

  it('authenticates a device: creates the account once, then logs it in', async () => {
    const client = await start();
    const first = await client.authenticateDevice('nakama-device-0001', true);
    expect(first.created).toBe(true);
    expect(first.user_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.username).toMatch(/^[A-Za-z]{10}$/); // generated, as Nakama does
    expect(first.refresh_token).not.toBe('');
    const again = await client.authenticateDevice('nakama-device-0001');
    expect(again.created).toBe(false);
    expect(again.user_id).toBe(first.user_id);
    expect(await statusOf(client.authenticateDevice('nakama-device-0002', false))).toBe(404);
  });

  it('authenticates with a custom id and a chosen username, and carries vars in the token', async () => {
    const client = await start();
    // Characters that break nakama-js's base64 decoding unless the server escapes them.
    const vars = { mode: 'a?b>c~~', name: 'Zoë 😀', plain: 'x' };
    const s = await client.authenticateCustom('custom-abc-123', true, 'Player.One', vars);
    expect(s.created).toBe(true);
    expect(s.username).toBe('Player.One');
    expect(s.vars).toEqual(vars);
    expect(s.expires_at! - s.created_at).toBeGreaterThan(3000); // default lifetime: one hour
    expect(s.refresh_expires_at! - s.created_at).toBeGreaterThan(29 * 24 * 3600);
  });

  it('authenticates with email and password; a wrong password is 401', async () => {
    const client = await start();
    const created = await client.authenticateEmail('Someone@Example.com', 'correct horse', true, 'someone');
    expect(created.created).toBe(true);
    const login = await client.authenticateEmail('someone@example.com', 'correct horse', false);
    expect(login.created).toBe(false);
    expect(login.user_id).toBe(created.user_id);
    expect(await statusOf(client.authenticateEmail('someone@example.com', 'wrong horse!', false))).toBe(401);
    const account = await client.getAccount(login);
    expect(account.email).toBe('someone@example.com');
  });

  it('gets the account in Nakama shape, updates it and finds users by id and username', async () => {
    const client = await start();
    const s = await client.authenticateDevice('nakama-device-acct', true, 'acct.owner');
    const before = await client.getAccount(s);
    expect(before).toEqual({
      user: {
        id: s.user_id,
        username: 'acct.owner',
        lang_tag: 'en',
        metadata: '{}',
        create_time: expect.stringMatching(RFC3339),
        update_time: expect.stringMatching(RFC3339),
      },
      wallet: '{}',
      devices: [{ id: 'nakama-device-acct' }],
    });
    expect(
      await client.updateAccount(s, {
        display_name: 'The Owner',
        avatar_url: 'https://example.com/a.png',
        lang_tag: 'fr',
        location: 'Lyon',
        timezone: 'Europe/Paris',
        username: 'acct.renamed',
      }),
    ).toBe(true);
    const after = await client.getAccount(s);
    expect(after.user).toMatchObject({
      username: 'acct.renamed',
      display_name: 'The Owner',
      avatar_url: 'https://example.com/a.png',
      lang_tag: 'fr',
      location: 'Lyon',
      timezone: 'Europe/Paris',
    });

    const other = await client.authenticateCustom('custom-other-1', true, 'other.user');
    const users = await client.getUsers(s, [other.user_id!], ['ACCT.RENAMED', 'nobody-here']);
    expect(users.users?.map((u) => u.username).sort()).toEqual(['acct.renamed', 'other.user']);
    expect(users.users?.find((u) => u.id === s.user_id)?.metadata).toEqual({}); // nakama-js parses it
    expect((await client.getUsers(s, [], ['nobody-here'])).users).toEqual([]);
  });

  it('refreshes a session: same user and vars, and the old refresh token still works', async () => {
    const client = await start();
    const s = await client.authenticateDevice('nakama-device-refresh', true, undefined, { k: 'v' });
    const userId = s.user_id;
    const refreshed = await client.sessionRefresh(s);
    expect(refreshed.user_id).toBe(userId);
    expect(refreshed.vars).toEqual({ k: 'v' });
    expect((await client.getAccount(refreshed)).user?.id).toBe(userId);
    const withNewVars = await client.sessionRefresh(refreshed, { k: 'w' });
    expect(withNewVars.vars).toEqual({ k: 'w' });
  });

  it('refreshes automatically before a call when the token is about to expire', async () => {
    // A 2-minute token is within nakama-js's 5-minute window, so every call refreshes first.
    vi.spyOn(console, 'warn').mockImplementation(() => {}); // nakama-js warns about short lifetimes
    const client = await start({ tokenExpirySec: 120 });
    const s = await client.authenticateDevice('nakama-device-auto');
    const seen: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      seen.push(new URL(String(input)).pathname);
      return realFetch(input, init);
    });
    const account = await client.getAccount(s);
    expect(account.user?.id).toBe(s.user_id);
    expect(seen).toEqual(['/v2/account/session/refresh', '/v2/account']);
  });

  it('logs out: both tokens stop working, on REST and for refresh', async () => {
    const client = await start();
    const s: Session = await client.authenticateDevice('nakama-device-logout');
    const other = await client.authenticateDevice('nakama-device-logout'); // a second session
    const { token, refresh_token } = s;
    expect(await client.sessionLogout(s, token, refresh_token)).toBe(true);
    expect(await statusOf(client.getAccount(s))).toBe(401);
    expect(await statusOf(client.sessionRefresh(s))).toBe(401);
    // The user's other session is untouched.
    expect((await client.getAccount(other)).user?.id).toBe(s.user_id);
  });
});
