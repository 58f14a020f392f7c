/**
 * `TetherClient` against a real server: authentication (device, custom, email; create, username),
 * refresh, logout, the account, RPC over HTTP, and errors that carry the status, the gRPC code and the
 * server's message.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Session, TetherApiError, TetherClient } from '../src/node.ts';
import { closedPort } from './helpers.ts';
import { clientFor, deviceId, startTestServer, type TestServer } from './realtime-helpers.ts';

let server: TestServer;
let client: TetherClient;

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer) => {
    initializer.registerRpc('shout', (_ctx, payload) => payload.toUpperCase());
  }, 'http-test');
  client = clientFor(server);
});
afterAll(() => server.stop());

async function apiError(promise: Promise<unknown>): Promise<TetherApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TetherApiError);
  return err as TetherApiError;
}

describe('TetherClient', () => {
  it('authenticates a device with create and username, and decodes the session', async () => {
    const id = deviceId('http');
    const name = `Ann_${Date.now() % 1e6}`;
    const before = Date.now();
    const session = await client.authenticateDevice(id, { username: name, vars: { platform: 'test' } });
    expect(session).toBeInstanceOf(Session);
    expect(session.created).toBe(true);
    expect(session.username).toBe(name);
    expect(session.userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(session.vars).toEqual({ platform: 'test' });
    expect(session.expiresAt).toBeGreaterThan(before + 3500_000);
    expect(session.refreshExpiresAt).toBeGreaterThan(session.expiresAt);
    expect(session.isExpired()).toBe(false);
    expect(session.isExpired(session.expiresAt)).toBe(true);
    const again = await client.authenticateDevice(id, { create: false });
    expect(again.created).toBe(false);
    expect(again.userId).toBe(session.userId);

    const account = await client.getAccount(session);
    expect(account.user).toMatchObject({ id: session.userId, username: name });
    expect(account.devices?.[0]?.id).toBe(id);
  });

  it('authenticates with custom ids and email, and reports refusals with status, code and message', async () => {
    const custom = await client.authenticateCustom(`custom-${Date.now()}`);
    expect(custom.created).toBe(true);
    const email = `player${Date.now()}@example.com`;
    const byEmail = await client.authenticateEmail(email, 'correct horse battery');
    expect((await client.getAccount(byEmail)).email).toBe(email);

    const wrong = await apiError(client.authenticateEmail(email, 'wrong password!'));
    expect(wrong).toMatchObject({ kind: 'http', status: 401, grpcCode: 16, message: 'Invalid credentials.' });
    expect(wrong.request).toBe('POST /v2/account/authenticate/email');
    expect(wrong.unauthenticated).toBe(true);
    const unknown = await apiError(client.authenticateDevice(deviceId('nobody'), { create: false }));
    expect(unknown).toMatchObject({ status: 404, grpcCode: 5, message: 'User account not found.' });
    const short = await apiError(client.authenticateDevice('short'));
    expect(short).toMatchObject({ status: 400, grpcCode: 3 });
    expect(short.message).toMatch(/Device ID invalid/);
    const badKey = new TetherClient({ port: server.http.port, serverKey: 'not-the-key' });
    expect(await apiError(badKey.authenticateDevice(deviceId('key')))).toMatchObject({
      status: 401,
      message: 'Server key invalid',
    });
  });

  it('refreshes and logs out; a logged-out token is refused with the server reason', async () => {
    const session = await client.authenticateDevice(deviceId('refresh'));
    const refreshed = await client.sessionRefresh(session);
    expect(refreshed.userId).toBe(session.userId);
    expect(refreshed.tokenId).toBe(session.tokenId);
    expect(await client.rpc(refreshed, 'shout', 'hey')).toBe('HEY');

    await client.sessionLogout(refreshed);
    const refused = await apiError(client.getAccount(refreshed));
    expect(refused).toMatchObject({ status: 401, grpcCode: 16 });
    expect(refused.message).toMatch(/^Auth token revoked/);
    expect((await apiError(client.sessionRefresh(refreshed))).status).toBe(401);
  });

  it('reports a server that is not there as a network error with the cause', async () => {
    const nowhere = new TetherClient({ port: await closedPort(), timeoutMs: 2000 });
    const err = await apiError(nowhere.authenticateDevice(deviceId('gone')));
    expect(err).toMatchObject({ kind: 'network', status: 0, grpcCode: undefined });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });
});
