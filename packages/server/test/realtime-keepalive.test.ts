import { connect, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './helpers.ts';
import { hasSs, KEEPALIVE_TEN_MINUTES, serverSideTimer } from './kernel-sockets.ts';
import { RawSocket } from './realtime-helpers.ts';

describe.skipIf(!hasSs)('kernel TCP keepalive on realtime sockets (read with ss)', () => {
  let server: TestServer | undefined;
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await server?.stop();
    server = undefined;
  });

  async function rawWs(s: TestServer): Promise<RawSocket> {
    const socket = await RawSocket.login(s);
    closers.push(() => socket.ws.terminate());
    return socket;
  }

  function localPort(ws: WebSocket): number {
    return (ws as unknown as { _socket: Socket })._socket.localPort!;
  }

  async function tcp(port: number): Promise<Socket> {
    const socket = connect(port, '127.0.0.1');
    closers.push(() => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return socket;
  }

  async function gmWs(s: TestServer): Promise<WebSocket> {
    const ws = new WebSocket(`ws://127.0.0.1:${s.http.port}/gm`);
    closers.push(() => ws.terminate());
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    return ws;
  }

  /** The kernel timer of the server side of a /ws, a GameMaker TCP and a /gm connection. */
  async function timers(s: TestServer): Promise<Record<'ws' | 'gmTcp' | 'gmWs', string>> {
    const ws = await rawWs(s);
    const gm = await tcp(s.gm!.port);
    const gmOverWs = await gmWs(s);
    return {
      ws: serverSideTimer(s.http.port, localPort(ws.ws)),
      gmTcp: serverSideTimer(s.gm!.port, gm.localPort!),
      gmWs: serverSideTimer(s.http.port, localPort(gmOverWs)),
    };
  }

  it('is on for /ws, GameMaker TCP and /gm sockets by default, from the accept on', async () => {
    server = await startTestServer();
    for (const [carrier, timer] of Object.entries(await timers(server)))
      expect(timer, carrier).toMatch(/^timer:\(keepalive,/);
  });

  it('starts with the configured delay (the listening sockets pass it on)', async () => {
    server = await startTestServer({ socketKeepAliveMs: 600_000 });
    for (const [carrier, timer] of Object.entries(await timers(server)))
      expect(timer, carrier).toMatch(KEEPALIVE_TEN_MINUTES);
  });

  it.runIf(process.platform === 'linux')(
    'costs accepted sockets no setsockopt calls on Linux (the listeners pass it on)',
    async () => {
      const setKeepAlive = vi.spyOn(Socket.prototype, 'setKeepAlive');
      try {
        server = await startTestServer();
        await timers(server);
        // Client sockets of this process may set keepalive themselves; the server's accepted ones never.
        const accepted = setKeepAlive.mock.contexts.filter((s) => (s as { server?: unknown }).server);
        expect(accepted).toEqual([]);
      } finally {
        setKeepAlive.mockRestore();
      }
    },
  );

  it('is off with socketKeepAliveMs 0', async () => {
    server = await startTestServer({ socketKeepAliveMs: 0 });
    for (const [carrier, timer] of Object.entries(await timers(server))) expect(timer, carrier).toBe('none');
  });
});
