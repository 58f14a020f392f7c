/**
 * Shutdown lets HTTP requests in flight finish before the database closes: a runtime RPC over
 * `/v2/rpc/{id}` that is still running when `close()` starts gets its 200 and its storage write is
 * in the database afterwards (read back by a server started again on the same database). Requests
 * that arrive once the shutdown began are refused and never run: a new connection is refused, a
 * request completed on a connection already open is answered 503. SQLite and PostgreSQL.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { RuntimeApi } from '../src/runtime/api.ts';
import { testBackends } from './backends.ts';

const backends = await testBackends('shutdown drains HTTP requests');

/** A promise with its resolver. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves once `condition()` holds, checking every few milliseconds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 5));
}

/** One HTTP/1.1 request for a server-to-server RPC call, as raw bytes. */
function rpcRequest(id: string, payload: string): string {
  const body = JSON.stringify(payload);
  return (
    `POST /v2/rpc/${id}?http_key=defaulthttpkey HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Everything a raw connection receives until it ends, split into responses (Content-Length framed). */
function responses(socket: Socket): Promise<{ status: number; body: Record<string, unknown> }[]> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    socket.on('error', () => {});
    socket.on('close', () => {
      let rest = Buffer.concat(chunks).toString('utf8');
      const out: { status: number; body: Record<string, unknown> }[] = [];
      while (rest.length > 0) {
        const head = rest.slice(0, rest.indexOf('\r\n\r\n'));
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        const start = head.length + 4;
        out.push({
          status: Number(head.split(' ')[1]),
          body: JSON.parse(rest.slice(start, start + length)) as Record<string, unknown>,
        });
        rest = rest.slice(start + length);
      }
      resolve(out);
    });
  });
}

/** Tries to open a TCP connection; resolves with the error code when it is refused. */
function connectError(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
  });
}

describe.each(backends)('shutdown with HTTP requests in flight on $name', (backend) => {
  it('answers an RPC still running at close() with 200, its write committed; refuses later requests', async () => {
    const store = backend.newStore();
    const logs: Record<string, unknown>[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
    const server = await store.start({ shutdownGraceSec: 20 }, { logger });
    const started = deferred();
    const release = deferred();
    let lateCalls = 0;
    await server.runtime.run((initializer, nk) => {
      initializer.registerRpc('slow_write', async (_ctx, payload) => {
        started.resolve();
        await release.promise;
        await nk.storageWrite([{ collection: 'drain', key: payload, value: { payload } }]);
        return `written:${payload}`;
      });
      initializer.registerRpc('late', () => {
        lateCalls++;
        return 'late';
      });
    }, 'http-drain-test');

    // A client has sent half of its request's headers when the shutdown begins (written before the
    // RPC below, so the server has read them by the time the RPC runs).
    const late = connect(server.http.port, '127.0.0.1');
    const lateReceived = responses(late);
    await once(late, 'connect');
    const lateRequest = rpcRequest('late', 'x');
    const half = lateRequest.indexOf('Content-Type');
    await new Promise((resolve) => late.write(lateRequest.slice(0, half), resolve));
    const conn = connect(server.http.port, '127.0.0.1');
    const received = responses(conn);
    conn.write(rpcRequest('slow_write', 'k1'));
    await started.promise;
    const closing = server.close('test shutdown');
    // The listener closed at once: a new connection is refused.
    expect(await connectError(server.http.port)).toBe('ECONNREFUSED');
    late.write(lateRequest.slice(half));
    // Its request completed after the shutdown began: 503 UNAVAILABLE, never run.
    expect(await lateReceived).toEqual([
      { status: 503, body: expect.objectContaining({ code: 14, message: 'server shutting down' }) },
    ]);
    expect(lateCalls).toBe(0);
    // The RPC goes on once the shutdown has gone as far as it goes without it: it waits for the
    // request, or (what this test exists to catch) it reached the database's phase.
    await until(() =>
      logs.some(
        (l) =>
          (l.msg === 'shutdown phase' && l.phase === 'storage') ||
          l.msg === 'waiting for HTTP requests in flight',
      ),
    );
    release.resolve();
    expect(await received).toEqual([{ status: 200, body: { id: 'slow_write', payload: 'written:k1' } }]);
    await closing;
    expect(logs.filter((l) => (l.level as number) >= 50)).toEqual([]);

    // The write is in the database: a server started again on it reads it.
    const again = await store.start();
    let nk!: RuntimeApi;
    await again.runtime.run((_initializer, api) => {
      nk = api;
    }, 'read-back');
    const read = await nk.storageRead([{ collection: 'drain', key: 'k1' }]);
    expect(read.map((o) => o.value)).toEqual([{ payload: 'k1' }]);
    await again.stop();
    await store.dispose();
  });

  it('closes the connection of a request still running when the grace period ends; its late end is harmless', async () => {
    const store = backend.newStore();
    const server = await store.start({ shutdownGraceSec: 0.3 });
    const started = deferred();
    const release = deferred();
    const finished = deferred<string>();
    await server.runtime.run((initializer, nk) => {
      initializer.registerRpc('stuck', async () => {
        started.resolve();
        await release.promise;
        try {
          await nk.storageWrite([{ collection: 'drain', key: 'stuck', value: {} }]);
          finished.resolve('written');
        } catch (err) {
          finished.resolve(`refused: ${(err as Error).message}`);
        }
        return 'late';
      });
    }, 'http-drain-stuck');
    const conn = connect(server.http.port, '127.0.0.1');
    const received = responses(conn);
    conn.write(rpcRequest('stuck', 'x'));
    await started.promise;
    await server.close('test shutdown');
    expect(await received).toEqual([]);
    // Released after the database closed: the write fails inside the handler, nothing crashes.
    release.resolve();
    expect(await finished.promise).toMatch(/^refused: /);
    await store.dispose();
  });

  it('closes the admin console listener too', async () => {
    const store = backend.newStore();
    const server = await store.start();
    const metrics = await fetch(`http://127.0.0.1:${server.console.port}/metrics`);
    expect(metrics.status).toBe(200);
    await metrics.text();
    await server.close('test shutdown');
    expect(await connectError(server.console.port)).toBe('ECONNREFUSED');
    await store.dispose();
  });
});
