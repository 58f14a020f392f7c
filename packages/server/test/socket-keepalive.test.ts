/**
 * Kernel TCP keepalive on realtime sockets (`socketKeepAliveMs`), read back from the kernel: `ss`
 * lists each server-side socket with its timer, `timer:(keepalive,…)` when the kernel will probe it.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, type TestServer } from './helpers.ts';
import { serverSideTimer } from './kernel-sockets.ts';
import { RawSocket } from './realtime-helpers.ts';

/** A GameMaker TCP connection, accepted (it stays unauthenticated, which is enough here). */
function gmTcp(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** An open `/gm` WebSocket (the GameMaker carrier on the HTTP port). */
function gmWs(port: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/gm`);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

const localPort = (s: { localPort?: number }) => s.localPort ?? -1;

describe.runIf(process.platform === 'linux')('kernel TCP keepalive on realtime sockets', () => {
  let server: TestServer | undefined;
  const closers: (() => void)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0)) close();
    await server?.stop();
    server = undefined;
  });

  /** Opens one socket on each carrier and returns the kernel's timer of each server side. */
  async function timers(s: TestServer): Promise<Record<'ws' | 'gmTcp' | 'gmWs', string>> {
    const raw = await RawSocket.login(s);
    closers.push(() => raw.ws.terminate());
    const tcp = await gmTcp(s.gm?.port ?? 0);
    closers.push(() => tcp.destroy());
    const gm = await gmWs(s.http.port);
    closers.push(() => gm.terminate());
    // Let the server finish accepting (upgrades complete before 'open'; TCP accepts may lag).
    await new Promise((r) => setTimeout(r, 50));
    const rawSocket = (raw.ws as unknown as { _socket: Socket })._socket;
    const gmSocket = (gm as unknown as { _socket: Socket })._socket;
    return {
      ws: serverSideTimer(s.http.port, localPort(rawSocket)),
      gmTcp: serverSideTimer(s.gm?.port ?? 0, localPort(tcp)),
      gmWs: serverSideTimer(s.http.port, localPort(gmSocket)),
    };
  }

  it('probes /ws, /gm and GameMaker TCP sockets after socketKeepAliveMs of silence', async () => {
    server = await startTestServer({ socketKeepAliveMs: 600_000 });
    const t = await timers(server);
    for (const [carrier, timer] of Object.entries(t)) {
      // ss prints the time left, here between 9 and 10 minutes ("9min59sec").
      expect(timer, carrier).toMatch(/^timer:\(keepalive,9min[0-9]+sec,0\)$/);
    }
  });

  it('leaves them unprobed at socketKeepAliveMs 0', async () => {
    server = await startTestServer({ socketKeepAliveMs: 0 });
    const t = await timers(server);
    for (const [carrier, timer] of Object.entries(t)) expect(timer, carrier).not.toContain('keepalive');
  });
});
