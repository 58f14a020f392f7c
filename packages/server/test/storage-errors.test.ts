/**
 * Bad storage requests over raw HTTP (what nakama-js cannot send), on a real server and every
 * available backend: each gets Nakama's error code and a message that says what was wrong, and
 * nothing of the request is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { bearer, call, claimsOf, deviceLogin } from './http-client.ts';

const backends = await testBackends('storage errors');
/** A small value limit, so the test does not need 256 KiB bodies. */
const MAX_VALUE_BYTES = 1024;

describe.each(backends)('bad storage requests on $name', (backend) => {
  let store: TestStore;
  let server: TestServer;
  let auth: string;
  let userId: string;
  let otherId: string;

  beforeAll(async () => {
    store = backend.newStore();
    server = await store.start({ storageMaxValueBytes: MAX_VALUE_BYTES });
    const me = await deviceLogin(server.baseUrl, `errors-${Math.random().toString(36).slice(2, 12)}`);
    auth = bearer(me.token);
    userId = claimsOf(me.token).uid as string;
    const other = await deviceLogin(
      server.baseUrl,
      `errors-other-${Math.random().toString(36).slice(2, 12)}`,
    );
    otherId = claimsOf(other.token).uid as string;
  });
  afterAll(async () => {
    await server.stop();
    await store.dispose();
  });

  /** PUT /v2/storage with a valid first object and `bad` second: refused, and the first not written. */
  async function refusedWrite(bad: Record<string, unknown>, collection = `c-${Math.random()}`) {
    const res = await call(server.baseUrl, 'PUT', '/v2/storage', {
      auth,
      body: {
        objects: [
          { collection, key: 'fine', value: '{"ok":true}' },
          { collection, key: 'bad', ...bad },
        ],
      },
    });
    const listed = await call(
      server.baseUrl,
      'GET',
      `/v2/storage/${encodeURIComponent(collection)}?limit=100&user_id=${userId}`,
      {
        auth,
      },
    );
    expect(listed.body).toEqual({}); // nothing of the batch was written
    return { status: res.status, code: res.body?.code, message: res.body?.message };
  }
  const invalid = (message: string) => ({ status: 400, code: 3, message });

  it('refuses values that are not JSON objects', async () => {
    for (const value of ['[1,2]', '"text"', '42', 'null', 'not json', '{"a":']) {
      expect(await refusedWrite({ value }), value).toEqual(invalid('Value must be a JSON object.'));
    }
  });

  it('refuses empty or missing collections, keys and values', async () => {
    const message = 'Invalid collection or key value supplied. They must be set.';
    expect(await refusedWrite({ key: '', value: '{}' })).toEqual(invalid(message));
    expect(await refusedWrite({ value: '' })).toEqual(invalid(message));
    const res = await call(server.baseUrl, 'PUT', '/v2/storage', {
      auth,
      body: { objects: [{ collection: '', key: 'k', value: '{}' }] },
    });
    expect(res.body).toMatchObject({ code: 3, message });
  });

  it('refuses keys and collections over 128 characters, accepts 128', async () => {
    const long = 'k'.repeat(129);
    expect(await refusedWrite({ key: long, value: '{}' })).toEqual(
      invalid('Invalid collection or key value supplied. They must be at most 128 characters.'),
    );
    // 128 characters of 2 UTF-16 units each still count as 128.
    const emoji = '😀'.repeat(128);
    const ok = await call(server.baseUrl, 'PUT', '/v2/storage', {
      auth,
      body: { objects: [{ collection: 'k'.repeat(128), key: emoji, value: '{}' }] },
    });
    expect(ok.status).toBe(200);
  });

  it('refuses values over the configured size, naming the limit', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(MAX_VALUE_BYTES) });
    expect(await refusedWrite({ value: big })).toEqual(
      invalid(`Value too large: at most ${MAX_VALUE_BYTES} bytes of JSON, got ${Buffer.byteLength(big)}.`),
    );
  });

  it('refuses invalid permissions', async () => {
    const read = invalid('Invalid Read permission supplied. It must be either 0, 1 or 2.');
    const write = invalid('Invalid Write permission supplied. It must be either 0 or 1.');
    expect(await refusedWrite({ value: '{}', permission_read: 3 })).toEqual(read);
    expect(await refusedWrite({ value: '{}', permission_read: -1 })).toEqual(read);
    expect(await refusedWrite({ value: '{}', permission_write: 2 })).toEqual(write);
    const typed = await refusedWrite({ value: '{}', permission_write: 'one' });
    expect(typed).toMatchObject({ status: 400, code: 3 });
    expect(typed.message).toMatch(/^Invalid request body: field 'objects.1.permission_write'/);
  });

  it('refuses more than 100 objects in one request', async () => {
    const objects = Array.from({ length: 101 }, (_, i) => ({
      collection: 'many',
      key: `k${i}`,
      value: '{}',
    }));
    const res = await call(server.baseUrl, 'PUT', '/v2/storage', { auth, body: { objects } });
    expect(res).toMatchObject({
      status: 400,
      body: { code: 3, message: 'Too many storage objects: at most 100 per request, got 101.' },
    });
    const read = await call(server.baseUrl, 'POST', '/v2/storage', {
      auth,
      body: { object_ids: objects.map(({ collection, key }) => ({ collection, key })) },
    });
    expect(read.body).toMatchObject({
      code: 3,
      message: 'Too many storage objects: at most 100 per request, got 101.',
    });
    const listed = await call(server.baseUrl, 'GET', `/v2/storage/many?limit=100&user_id=${userId}`, {
      auth,
    });
    expect(listed.body).toEqual({});
  });

  it('refuses a cursor from another query, a garbage cursor, and limits outside 1-100', async () => {
    await call(server.baseUrl, 'PUT', '/v2/storage', {
      auth,
      body: {
        objects: ['a', 'b', 'c'].map((key) => ({
          collection: 'paged',
          key,
          value: '{}',
          permission_read: 2,
        })),
      },
    });
    const first = await call(server.baseUrl, 'GET', `/v2/storage/paged?limit=1&user_id=${userId}`, { auth });
    const cursor = first.body!.cursor as string;
    expect(cursor).toEqual(expect.any(String));
    const malformed = { status: 400, body: { code: 3, message: 'Malformed cursor was used.' } };
    // The same cursor for every owner's objects, for another owner, another collection: refused.
    for (const path of [
      `/v2/storage/paged?limit=1&cursor=${cursor}`,
      `/v2/storage/paged?limit=1&user_id=${otherId}&cursor=${cursor}`,
      `/v2/storage/other?limit=1&user_id=${userId}&cursor=${cursor}`,
      `/v2/storage/paged?limit=1&user_id=${userId}&cursor=garbage`,
    ]) {
      expect(await call(server.baseUrl, 'GET', path, { auth }), path).toMatchObject(malformed);
    }
    const next = await call(
      server.baseUrl,
      'GET',
      `/v2/storage/paged?limit=1&user_id=${userId}&cursor=${cursor}`,
      {
        auth,
      },
    );
    expect((next.body!.objects as { key: string }[]).map((o) => o.key)).toEqual(['b']);
    for (const limit of ['0', '101', '-1']) {
      expect(await call(server.baseUrl, 'GET', `/v2/storage/paged?limit=${limit}`, { auth })).toMatchObject({
        status: 400,
        body: { code: 3, message: 'Invalid limit - limit must be between 1 and 100.' },
      });
    }
  });

  it('refuses user ids that are not UUIDs (and the nil UUID in reads)', async () => {
    const message = 'Invalid user ID - make sure user ID is a valid UUID.';
    for (const user_id of ['nope', '00000000-0000-0000-0000-000000000000']) {
      const res = await call(server.baseUrl, 'POST', '/v2/storage', {
        auth,
        body: { object_ids: [{ collection: 'c', key: 'k', user_id }] },
      });
      expect(res).toMatchObject({ status: 400, body: { code: 3, message } });
    }
    expect(await call(server.baseUrl, 'GET', '/v2/storage/c?user_id=nope', { auth })).toMatchObject({
      status: 400,
      body: { code: 3, message },
    });
  });

  it('refuses deletes without a collection or key, deleting nothing', async () => {
    await call(server.baseUrl, 'PUT', '/v2/storage', {
      auth,
      body: { objects: [{ collection: 'keep', key: 'k', value: '{}' }] },
    });
    const res = await call(server.baseUrl, 'PUT', '/v2/storage/delete', {
      auth,
      body: { object_ids: [{ collection: 'keep', key: 'k' }, { collection: 'keep' }] },
    });
    expect(res).toMatchObject({
      status: 400,
      body: { code: 3, message: 'Invalid collection or key value supplied. They must be set.' },
    });
    const listed = await call(server.baseUrl, 'GET', `/v2/storage/keep?limit=10&user_id=${userId}`, { auth });
    expect(listed.body!.objects).toHaveLength(1);
  });

  it('needs a session', async () => {
    const res = await call(server.baseUrl, 'GET', '/v2/storage/c');
    expect(res).toMatchObject({ status: 401, body: { code: 16 } });
  });
});
