/**
 * Shutdown drains socket requests (issue 14, item 5): a request a session sent before the shutdown
 * gets its reply before the 1001 close, within the grace period; messages that arrive once the
 * shutdown has stopped reading are not handled. In process with nakama-js and a raw `ws` client, and
 * as a `tether serve` child process receiving SIGTERM.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, CloseReason } from '@tether/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ServingCli, startCli } from './cli-process.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import { connectPlayer, type Player, RawSocket } from './realtime-helpers.ts';

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

/** A server with a `slow` RPC that answers when the test releases it, and an `echo` that counts. */
async function slowServer(overrides: Parameters<typeof startTestServer>[0] = {}) {
  const server = await startTestServer(overrides);
  const started = deferred();
  const release = deferred<string>();
  const calls = { echo: 0 };
  await server.runtime.run((initializer) => {
    initializer.registerRpc('slow', async (_ctx, payload) => {
      started.resolve();
      return `${await release.promise}:${payload}`;
    });
    initializer.registerRpc('echo', (_ctx, payload) => {
      calls.echo++;
      return payload;
    });
  }, 'drain-test');
  return { server, started: started.promise, release: release.resolve, calls };
}

describe('shutdown drains in-flight socket requests', () => {
  let server: TestServer | undefined;
  const players: Player[] = [];
  afterEach(async () => {
    for (const p of players.splice(0)) p.socket.disconnect(false);
    await server?.stop();
    server = undefined;
  });

  it('sends the reply of an RPC still running at shutdown, then closes with 1001 (raw ws)', async () => {
    const bed = await slowServer();
    server = bed.server;
    const raw = await RawSocket.login(server);
    raw.send({ cid: 'slow-1', rpc: { id: 'slow', payload: 'p' } });
    await bed.started;
    const closing = server.close('test shutdown');
    await until(() => server!.realtime.lifecycle.draining);
    // Sent after the shutdown stopped reading: never handled.
    raw.send({ cid: 'late-1', rpc: { id: 'echo', payload: 'late' } });
    bed.release('answered');
    const closed = await raw.closed;
    await closing;
    expect(closed).toEqual({ code: CloseCode.GOING_AWAY, reason: 'test shutdown' });
    // The reply came before the close frame; the late message got nothing.
    expect(raw.received).toEqual([{ cid: 'slow-1', rpc: { id: 'slow', payload: 'answered:p' } }]);
    expect(bed.calls.echo).toBe(0);
  });

  it('nakama-js gets the RPC result, then the 1001 disconnect', async () => {
    const bed = await slowServer();
    server = bed.server;
    const a = await connectPlayer(server, players);
    const order: string[] = [];
    const disconnected = deferred<number>();
    a.socket.ondisconnect = (evt: Event) => {
      const code = (evt as unknown as { code: number }).code;
      order.push(`close ${code}`);
      disconnected.resolve(code);
    };
    const reply = a.socket.rpc('slow', 'js').then((r) => {
      order.push(`reply ${r.payload}`);
    });
    await bed.started;
    const closing = server.close();
    await until(() => server!.realtime.lifecycle.draining);
    bed.release('ok');
    await reply;
    expect(await disconnected.promise).toBe(CloseCode.GOING_AWAY);
    await closing;
    expect(order).toEqual(['reply ok:js', 'close 1001']);
  });

  it('GameMaker TCP: the reply packet comes before the 1001 close notice', async () => {
    const bed = await slowServer();
    server = bed.server;
    const gm = await GmRealtimeClient.tcp(server.gm!.port);
    await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));
    gm.send({ cid: 'gm-slow', rpc: { id: 'slow', payload: 'gm' } });
    await bed.started;
    const closing = server.close();
    await until(() => server!.realtime.lifecycle.draining);
    bed.release('ok');
    await gm.ended;
    await closing;
    expect(gm.received.slice(-2)).toEqual([
      { cid: 'gm-slow', rpc: { id: 'slow', payload: 'ok:gm' } },
      { error: { code: CloseCode.GOING_AWAY, message: CloseReason.SHUTDOWN } },
    ]);
  });

  it('closes with 1001 at the end of the grace period when a request never finishes', async () => {
    const bed = await slowServer({ shutdownGraceSec: 0.3 });
    server = bed.server;
    const raw = await RawSocket.login(server);
    raw.send({ cid: 'stuck', rpc: { id: 'slow', payload: 'p' } });
    await bed.started;
    await server.close();
    expect(await raw.closed).toEqual({ code: CloseCode.GOING_AWAY, reason: CloseReason.SHUTDOWN });
    expect(raw.received).toEqual([]);
    bed.release('too late'); // settles after the close: dropped, no crash
  });

  it('does not wait for the grace period when nothing is in flight', async () => {
    // A 120 s grace, four times the test timeout: the close must end because the drain found
    // nothing to wait for, not because the grace ran out.
    server = await startTestServer({ shutdownGraceSec: 120 });
    const raw = await RawSocket.login(server);
    expect(await raw.request('p', { ping: {} })).toEqual({ cid: 'p', pong: {} });
    await server.close();
    expect((await raw.closed).code).toBe(CloseCode.GOING_AWAY);
  });
});

describe('tether serve on SIGTERM', () => {
  let cli: ServingCli | undefined;
  let dir: string | undefined;
  afterEach(() => {
    cli?.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
    cli = dir = undefined;
  });

  it('answers a socket RPC that was running when the signal came, then closes with 1001 and exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-drain-'));
    const modules = join(dir, 'modules');
    mkdirSync(modules);
    // The RPC answers only after the process got SIGTERM (and a little later still), so its reply
    // can only arrive if the shutdown waits for it.
    writeFileSync(
      join(modules, 'slow.mjs'),
      `let signalled = false;
const waiters = [];
process.once('SIGTERM', () => {
  signalled = true;
  setTimeout(() => { for (const w of waiters) w(); }, 300);
});
export default function init(initializer) {
  initializer.registerRpc('slow', async (_ctx, payload) => {
    console.error('slow rpc started');
    if (!signalled) await new Promise((resolve) => waiters.push(resolve));
    return 'after-sigterm:' + payload;
  });
}
`,
    );
    cli = await startCli([
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--gm-port',
      '0',
      '--data',
      dir,
      '--runtime',
      modules,
    ]);
    const base = `http://127.0.0.1:${cli.httpPort}`;
    const { token } = await deviceLogin(base, 'sigterm-drain-device');
    const ws = new WebSocket(`ws://127.0.0.1:${cli.httpPort}/ws?token=${encodeURIComponent(token)}`);
    const received: unknown[] = [];
    ws.on('message', (data) => received.push(JSON.parse(String(data))));
    const closed = new Promise<{ code: number; reason: string; before: unknown[] }>((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString(), before: [...received] })),
    );
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ cid: 'c1', rpc: { id: 'slow', payload: 'x' } }));
    await until(() => cli!.stderr().includes('slow rpc started'));
    cli.child.kill('SIGTERM');
    const result = await closed;
    expect(result.code).toBe(CloseCode.GOING_AWAY);
    expect(result.reason).toMatch(/shutting down/);
    expect(result.before).toEqual([{ cid: 'c1', rpc: { id: 'slow', payload: 'after-sigterm:x' } }]);
    expect(await cli.exited).toBe(0);
  });
});
