import { once } from 'node:events';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.ts';
import { HttpRouter } from './router.ts';

const CORS = [
  'Access-Control-Allow-Origin',
  '*',
  'Access-Control-Allow-Headers',
  'Authorization, Content-Type, User-Agent',
  'Access-Control-Allow-Methods',
  'GET, POST, PUT, DELETE, OPTIONS',
];

interface Answer {
  status: number;
  /** Response headers as sent, in order, without Date / Connection / Keep-Alive. */
  headers: string[];
  body: string;
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

async function serve(router: HttpRouter): Promise<number> {
  const server = createServer((req, res) => void router.handle(req, res));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function call(port: number, method: string, path: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!;
          if (['date', 'connection', 'keep-alive'].includes(name.toLowerCase())) continue;
          headers.push(name, res.rawHeaders[i + 1]!);
        }
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function router(): HttpRouter {
  return new HttpRouter({ maxBodyBytes: 64, logger: createLogger('silent') })
    .on('GET', '/v2/thing/:id', (req) => ({ body: { id: req.params.id, q: req.query.get('q') } }))
    .on('POST', '/v2/thing/:id', async (req) => ({ body: await req.json() }))
    .on('GET', '/v2/thing/fixed', () => ({ body: 'shadowed by the param route' }))
    .on('GET', '/v2/other/:a/:b', (req) => ({ body: req.params }))
    .on('GET', '/v2/text', () => ({ text: 'hé', headers: { 'X-Extra': '1' } }))
    .on('GET', '/v2/empty', () => ({ status: 204 }))
    .on('GET', '/v2/custom', () => ({ body: 1, headers: { 'Content-Type': 'application/x-test' } }));
}

const json = (length: number) => [
  ...CORS,
  'Content-Type',
  'application/json',
  'Content-Length',
  String(length),
];

describe('HttpRouter responses', () => {
  it('answers each kind of response with the CORS headers, then content type and length, in order', async () => {
    const port = await serve(router());
    const got = await call(port, 'GET', '/v2/thing/a%20b?q=1');
    expect(got).toEqual({ status: 200, headers: json(20), body: '{"id":"a b","q":"1"}' });
    expect(await call(port, 'GET', '/v2/thing/fixed')).toMatchObject({ body: '{"id":"fixed","q":null}' });
    expect(await call(port, 'GET', '/v2/other/x/y')).toMatchObject({
      status: 200,
      body: '{"a":"x","b":"y"}',
    });
    expect(await call(port, 'POST', '/v2/thing/1', '{"k":2}')).toEqual({
      status: 200,
      headers: json(7),
      body: '{"k":2}',
    });
    expect(await call(port, 'OPTIONS', '/anything')).toEqual({ status: 204, headers: CORS, body: '' });
    expect(await call(port, 'GET', '/v2/empty')).toEqual({ status: 204, headers: CORS, body: '' });
    expect(await call(port, 'GET', '/v2/text')).toEqual({
      status: 200,
      headers: [...CORS, 'Content-Type', 'text/plain; charset=utf-8', 'Content-Length', '3', 'X-Extra', '1'],
      body: 'hé',
    });
    expect(await call(port, 'GET', '/v2/custom')).toEqual({
      status: 200,
      headers: [...CORS, 'Content-Type', 'application/x-test', 'Content-Length', '1'],
      body: '1',
    });
  });

  it('answers errors with the CORS headers and Nakama error bodies', async () => {
    const port = await serve(router());
    const notFound = '{"code":5,"message":"Not Found","error":"Not Found"}';
    expect(await call(port, 'GET', '/v2/thing')).toEqual({
      status: 404,
      headers: json(notFound.length),
      body: notFound,
    });
    expect(await call(port, 'GET', '/v2/thing/a/b')).toMatchObject({ status: 404 });
    const notAllowed = await call(port, 'DELETE', '/v2/thing/1');
    expect(notAllowed).toMatchObject({ status: 405, headers: json(notAllowed.body.length) });
    expect(JSON.parse(notAllowed.body)).toMatchObject({ code: 12, message: 'Method DELETE not allowed' });
    const badEscape = await call(port, 'GET', '/v2/thing/a%FF');
    expect(badEscape).toMatchObject({ status: 400, headers: json(badEscape.body.length) });
    const tooBig = await call(port, 'POST', '/v2/thing/1', `{"k":"${'x'.repeat(100)}"}`);
    expect(tooBig).toMatchObject({ status: 413, headers: json(tooBig.body.length) });
    const malformed = await call(port, 'POST', '/v2/thing/1', '{');
    expect(malformed).toMatchObject({ status: 400, headers: json(malformed.body.length) });
  });
});
