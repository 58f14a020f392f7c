import { execFileSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './helpers.ts';
import { RawSocket } from './realtime-helpers.ts';

/** Whether `ss` (iproute2) is here to read the kernel's view of a socket. */
const hasSs = (() => {
  try {
    execFileSync('ss', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * The kernel timer of the server side of the connection whose client port is `clientPort` on the
 * server's `serverPort` (from `ss -tno`: `keepalive` when TCP keepalive is on and nothing is in
 * flight), or `none`.
 */
function serverTimer(serverPort: number, clientPort: number): string {
  const out = execFileSync('ss', [
    '-tnoH',
    'state',
    'established',
    `( sport = :${serverPort} and dport = :${clientPort} )`,
  ]).toString();
  return /timer:\((\w+),/.exec(out)?.[1] ?? (out.trim() === '' ? 'no socket' : 'none');
}

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

  it('is on for an accepted /ws socket by default, and off with socketKeepAliveMs 0', async () => {
    server = await startTestServer();
    const on = await rawWs(server);
    expect(serverTimer(server.http.port, localPort(on.ws))).toBe('keepalive');
    await server.stop();

    server = await startTestServer({ socketKeepAliveMs: 0 });
    const off = await rawWs(server);
    expect(serverTimer(server.http.port, localPort(off.ws))).toBe('none');
  });

  it('is on for GameMaker TCP and /gm sockets, from the accept on', async () => {
    server = await startTestServer();
    const gmTcp = await tcp(server.gm!.port);
    expect(serverTimer(server.gm!.port, gmTcp.localPort!)).toBe('keepalive');
    const gmWs = new WebSocket(`ws://127.0.0.1:${server.http.port}/gm`);
    closers.push(() => gmWs.terminate());
    await new Promise((resolve, reject) => {
      gmWs.once('open', resolve);
      gmWs.once('error', reject);
    });
    expect(serverTimer(server.http.port, localPort(gmWs))).toBe('keepalive');
  });
});
