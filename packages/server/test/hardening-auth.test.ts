/**
 * Failed-login limits under concurrency (issue 14, item 3): a burst of parallel guesses must not get
 * more of them checked than the limit allows. Every guess that reached the password check answers 401
 * "Invalid credentials."; every guess the limit refused answers 429 — so the 401s count the
 * verifications.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, call, deviceLogin, type RawResponse } from './http-client.ts';

const EMAIL = '/v2/account/authenticate/email';
const BURST = 300;

/** How many answers had each status. */
function tally(responses: readonly RawResponse[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of responses) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}

describe('failed-login limits under a burst of parallel guesses', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('checks at most the per-account limit of 300 parallel wrong passwords at one account', async () => {
    server = await startTestServer({
      authFailuresPerAccount: 10,
      authFailuresPerAddress: 1000,
      authFailureWindowSec: 600,
    });
    const base = server.baseUrl;
    const login = (password: string) =>
      call(base, 'POST', EMAIL, { auth: basicAuth(), body: { email: 'target@example.com', password } });
    expect((await login('the right password')).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: BURST }, () => login('a wrong password')));
    const counts = tally(answers);
    expect(counts).toEqual({ 401: 10, 429: BURST - 10 });
    for (const r of answers.filter((a) => a.status === 401)) {
      expect(r.body).toMatchObject({ code: 16, message: 'Invalid credentials.' });
    }
    // The lock holds for the right password too, until the window ends.
    expect((await login('the right password')).status).toBe(429);
  });

  it('checks at most the per-address limit of parallel wrong passwords spread over many accounts', async () => {
    server = await startTestServer({
      authFailuresPerAccount: 10,
      authFailuresPerAddress: 30,
      authFailureWindowSec: 600,
      // The accounts below are created with the cheapest hash the settings allow.
      passwordHashMemoryKib: 1024,
      passwordHashTimeCost: 1,
    });
    const base = server.baseUrl;
    const accounts = Array.from({ length: 40 }, (_, i) => `victim-${i}@example.com`);
    for (const email of accounts) {
      const r = await call(base, 'POST', EMAIL, {
        auth: basicAuth(),
        body: { email, password: 'the right password' },
      });
      expect(r.status).toBe(200);
    }
    const answers = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        call(base, 'POST', EMAIL, {
          auth: basicAuth(),
          body: { email: accounts[i % accounts.length], password: 'a wrong password' },
        }),
      ),
    );
    const counts = tally(answers);
    expect(counts).toEqual({ 401: 30, 429: BURST - 30 });
    expect(answers.find((a) => a.status === 429)?.body?.message).toMatch(
      /^Too many failed authentication attempts (from this address|for this account); try again in \d+ s\.$/,
    );
  });

  it('never throttles parallel honest refreshes from one address; bad refresh tokens lock it once counted', async () => {
    server = await startTestServer({ authFailuresPerAddress: 30, authFailureWindowSec: 600 });
    const base = server.baseUrl;
    const { refreshToken } = await deviceLogin(base, 'refresh-burst-device-01');
    const refresh = (token: string) =>
      call(base, 'POST', '/v2/account/session/refresh', { auth: basicAuth(), body: { token } });
    // More honest refreshes in flight at once than the address's failure limit: all go through.
    expect(tally(await Promise.all(Array.from({ length: BURST }, () => refresh(refreshToken))))).toEqual({
      200: BURST,
    });
    // A real refresh token with a broken signature makes the server look at the token, not the JSON.
    const forged = `${refreshToken.slice(0, -4)}AAAA`;
    for (let i = 0; i < 30; i++) expect((await refresh(forged)).status).toBe(401);
    // The address is now locked, for bad and good tokens alike.
    expect((await refresh(forged)).status).toBe(429);
    expect((await refresh(refreshToken)).status).toBe(429);
  });

  it('a success clears the account reservation and count: the right password goes through after failures', async () => {
    server = await startTestServer({ authFailuresPerAccount: 5, authFailuresPerAddress: 1000 });
    const base = server.baseUrl;
    const login = (password: string) =>
      call(base, 'POST', EMAIL, { auth: basicAuth(), body: { email: 'settle@example.com', password } });
    expect((await login('the right password')).status).toBe(200);
    const wrong = await Promise.all(Array.from({ length: 4 }, () => login('a wrong password')));
    expect(tally(wrong)).toEqual({ 401: 4 });
    // Parallel right passwords: each reserves an attempt, each success settles its own.
    const right = await Promise.all(Array.from({ length: 5 }, () => login('the right password')));
    expect(tally(right)[200]).toBeGreaterThanOrEqual(1);
    // After the successes the account's count is clear: five more wrong guesses are all checked.
    const again = await Promise.all(Array.from({ length: 5 }, () => login('a wrong password')));
    expect(tally(again)).toEqual({ 401: 5 });
  });
});
