/**
 * The server side of `echo.ts`, run in its own process so the load generator does not share its
 * event loop. It listens on 127.0.0.1 (port 0) with five echo servers at once:
 *
 * - `net`: reference A, plain `node:net` with a u32 little-endian length prefix per message;
 * - `ws`: reference B, a plain `ws` WebSocketServer;
 * - `gmTcp`: Tether `createNetworkServer({ type: 'tcp' })`, GameMaker handshake and framing;
 * - `gmWs`: Tether `createNetworkServer({ type: 'ws' })`, GameMaker framing in binary messages;
 * - `rawWs`: Tether `createNetworkServer({ type: 'ws', raw: true })`.
 *
 * Every server echoes each message as it arrives, one send per message (the Tether ones through
 * `sendPacket` / `sendRaw`, exactly as a game module would). Reports `{ ports }` ({@link EchoPorts})
 * over IPC, answers the message `"cpu"` with `{ cpu }` (its CPU time so far, µs) and exits on the
 * message `"stop"` (or when the parent goes away).
 *
 * @packageDocumentation
 */
import { type AddressInfo, createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createNetworkServer, type NetworkServer } from '@tether/server';
import { pino } from 'pino';
import { WebSocketServer } from 'ws';
import { type EchoPorts, LengthPrefixParser } from './echo-wire.ts';

/** Reference A: each whole frame is written straight back (no copy, one write per message). */
function listenNetEcho(): Promise<Server> {
  const server = createNetServer({ noDelay: true }, (socket: Socket) => {
    const parser = new LengthPrefixParser((frame) => socket.write(frame));
    socket.on('data', (chunk: Buffer) => parser.push(chunk));
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Reference B: each message is sent back as it came (binary stays binary). */
function listenWsEcho(): Promise<WebSocketServer> {
  return new Promise((resolve) => {
    const wss: WebSocketServer = new WebSocketServer(
      { host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: true },
      () => resolve(wss),
    );
    wss.on('connection', (ws) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('run me through echo.ts (needs an IPC channel)');
  const send = process.send.bind(process);
  // Warnings (FLOOD, SLOW_CONSUMER, ...) would explain a broken run, so they are kept.
  const logger = pino({ level: 'warn' }, pino.destination(2));
  // The default flood limit (20,000 packets/s per client) is well below what one benchmark client
  // sends, so it is lifted here; everything else keeps its default.
  const limits = { host: '127.0.0.1', port: 0, maxClients: 16, maxPacketsPerSecond: 1e9 };
  const net = await listenNetEcho();
  const ws = await listenWsEcho();
  const tether: NetworkServer[] = [];
  for (const options of [
    { ...limits, type: 'tcp' as const },
    { ...limits, type: 'ws' as const },
    { ...limits, type: 'ws' as const, raw: true },
  ]) {
    const server = await createNetworkServer(options, { logger });
    server.onEvent((e) => {
      if (e.type !== 'data') return;
      if (server.raw) server.sendRaw(e.id, e.buffer);
      else server.sendPacket(e.id, e.buffer);
    });
    tether.push(server);
  }
  const [gmTcp, gmWs, rawWs] = tether as [NetworkServer, NetworkServer, NetworkServer];
  const ports: EchoPorts = {
    net: (net.address() as AddressInfo).port,
    ws: (ws.address() as AddressInfo).port,
    gmTcp: gmTcp.address.port,
    gmWs: gmWs.address.port,
    rawWs: rawWs.address.port,
  };

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.all(tether.map((s) => s.close()));
    for (const client of ws.clients) client.terminate();
    ws.close();
    net.close();
    // process.exit (not a natural exit) so a --cpu-prof profile is written without waiting for sockets.
    process.exit(0);
  };
  process.on('message', (m) => {
    if (m === 'stop') void stop();
    // CPU time used so far (user + system, µs), for the driver's per-message cost.
    else if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      send({ cpu: user + system });
    }
  });
  process.on('disconnect', () => void stop());
  send({ ports });
}

await main();
