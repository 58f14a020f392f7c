/**
 * The relay servers under test, each started on 127.0.0.1 (port 0) with the same semantics: a
 * client belongs to one room of up to 8 and every message it sends goes to the room's other members,
 * unchanged. Tether's relay is its real server (see `server.ts`); these are the others.
 *
 * @packageDocumentation
 */
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { type Client, Server as ColyseusServer, Room } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { Server as SocketIoServer } from 'socket.io';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';

/** A started relay: its port, and how to stop it. */
export interface StartedRelay {
  readonly port: number;
  close(): Promise<void>;
  /** A cluster node's bus counters so far (frames and messages it sent), when it is one. */
  bus?(): { frames: number; messages: number };
}

/**
 * Plain `ws` relay: rooms are sets of sockets, chosen by `?room=`; a message is sent to each other
 * member with `ws.send`, one socket write per recipient.
 *
 * With `batched`, writes are batched per event-loop turn: the first send to a socket in a turn corks
 * it, and one `setImmediate` uncorks every corked socket after the turn's I/O callbacks, so each
 * socket gets one `writev` per turn however many messages it was sent.
 */
export function startWsRelay(batched: boolean): Promise<StartedRelay> {
  const rooms = new Map<string, Set<WebSocket>>();
  const corked = new Set<Socket>();
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    for (const s of corked) s.uncork();
    corked.clear();
  };
  const send = batched
    ? (peer: WebSocket, data: RawData, binary: boolean) => {
        // `ws` keeps its socket private; `_socket` is the net.Socket under it.
        const socket = (peer as unknown as { _socket: Socket })._socket;
        if (!corked.has(socket)) {
          socket.cork();
          corked.add(socket);
          if (!flushScheduled) {
            flushScheduled = true;
            setImmediate(flush);
          }
        }
        peer.send(data, { binary });
      }
    : (peer: WebSocket, data: RawData, binary: boolean) => peer.send(data, { binary });

  return new Promise((resolve) => {
    const wss: WebSocketServer = new WebSocketServer(
      { host: '127.0.0.1', port: 0, perMessageDeflate: false, maxPayload: 64 * 1024, clientTracking: true },
      () =>
        resolve({
          port: (wss.address() as AddressInfo).port,
          close: () =>
            new Promise<void>((done) => {
              for (const c of wss.clients) c.terminate();
              wss.close(() => done());
            }),
        }),
    );
    wss.on('connection', (ws, req) => {
      const room = new URL(req.url ?? '/', 'http://relay').searchParams.get('room') ?? '';
      let members = rooms.get(room);
      if (!members) {
        members = new Set();
        rooms.set(room, members);
      }
      const peers = members;
      peers.add(ws);
      ws.on('message', (data, isBinary) => {
        for (const peer of peers) if (peer !== ws && peer.readyState === 1) send(peer, data, isBinary);
      });
      ws.on('close', () => {
        peers.delete(ws);
        if (peers.size === 0) rooms.delete(room);
      });
      ws.on('error', () => ws.terminate());
    });
  });
}

/**
 * The Colyseus room: no state; message type 1 is relayed to everyone else in the room. Clients send
 * bytes (`room.sendBytes(1, bytes)`, ROOM_DATA_BYTES), Colyseus's cheapest path; `room.send(1, …)`
 * (msgpack) is relayed the same way. A Uint8Array broadcast goes out as ROOM_DATA_BYTES.
 */
class RelayRoom extends Room {
  override maxClients = 8;

  override onCreate(): void {
    const relay = (client: Client, message: unknown) => this.broadcast(1, message, { except: client });
    this.onMessageBytes(1, relay);
    this.onMessage(1, relay);
  }
}

/**
 * Colyseus 0.18 (`@colyseus/core` with its `ws` transport, per-message deflate off as its default):
 * one room type `relay` of 8 clients; clients reserve seats over HTTP (`/matchmake/...`) and join
 * over WebSocket. Relays with `this.broadcast(1, message, { except: client })`, which encodes the
 * frame once per broadcast.
 */
export async function startColyseus(): Promise<StartedRelay> {
  const transport = new WebSocketTransport({ perMessageDeflate: false, maxPayload: 64 * 1024 });
  const server = new ColyseusServer({ transport, greet: false, gracefullyShutdown: false });
  server.define('relay', RelayRoom);
  await server.listen(0, '127.0.0.1');
  const port = ((transport.server as ReturnType<typeof createServer>).address() as AddressInfo).port;
  return { port, close: () => server.gracefullyShutdown(false) };
}

/**
 * Socket.IO 4.8, WebSocket transport only (no polling, no upgrade), per-message deflate off: each
 * client joins the room named by its handshake query `room`, and an `m` event is relayed with
 * `socket.to(room).emit('m', data)` (encoded once per broadcast by the default in-memory adapter).
 */
export function startSocketIo(): Promise<StartedRelay> {
  const http = createServer();
  const io = new SocketIoServer(http, {
    transports: ['websocket'],
    serveClient: false,
    perMessageDeflate: false,
    httpCompression: false,
    maxHttpBufferSize: 64 * 1024,
  });
  io.on('connection', (socket) => {
    const room = String(socket.handshake.query.room ?? '');
    void socket.join(room);
    socket.on('m', (data: unknown) => {
      socket.to(room).emit('m', data);
    });
  });
  return new Promise((resolve) => {
    http.listen(0, '127.0.0.1', () =>
      resolve({
        port: (http.address() as AddressInfo).port,
        close: () => new Promise<void>((done) => io.close(() => done())),
      }),
    );
  });
}
