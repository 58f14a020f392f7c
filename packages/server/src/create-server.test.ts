import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/helpers.ts';

describe('startServer', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('answers GET /healthcheck with 200 once ready', async () => {
    server = await startTestServer();
    const res = await fetch(`${server.baseUrl}/healthcheck`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });

  it('answers unknown paths with a Nakama-shaped 404 and CORS headers', async () => {
    server = await startTestServer();
    const res = await fetch(`${server.baseUrl}/nope`);
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(await res.json()).toMatchObject({ code: 5, message: 'Not Found' });
  });

  it('stops accepting connections after close()', async () => {
    server = await startTestServer();
    const url = `${server.baseUrl}/healthcheck`;
    await server.close();
    await expect(fetch(url)).rejects.toThrow();
  });
});
