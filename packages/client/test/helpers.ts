/**
 * Small real servers for the client tests: TCP (`node:net`) and WebSocket (`ws`) on 127.0.0.1:0,
 * speaking GameMaker framing through the protocol's `GmServerFramer`, or raw.
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeGmPacket, type GmOutput, GmServerFramer } from '@tether/protocol';
import { type WebSocket, WebSocketServer } from 'ws';
import type { NetworkEvent, NetworkSocket } from '../src/node.ts';

/** Unbounded async FIFO for test observations (the tests bound what they push). */
export class Inbox<T> {
  #items: T[] = [];
  #waiters: Array<(item: T) => void> = [];

  push(item: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(item);
    else this.#items.push(item);
  }

  next(timeoutMs = 3000, what = 'inbox item'): Promise<T> {
    const item = this.#items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return withTimeout(new Promise<T>((resolve) => this.#waiters.push(resolve)), timeoutMs, what);
  }
}

/** Rejects with a descriptive error when `promise` does not settle in time. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits for the next queued event and removes it. */
export async function nextEvent(socket: NetworkSocket, timeoutMs = 3000): Promise<NetworkEvent> {
  await withTimeout(socket.waitForEvent(), timeoutMs, 'a network event');
  const event = socket.pollOne();
  if (!event) throw new Error('waitForEvent resolved but the queue was empty');
  return event;
}

/** Collects events until one of type `type` arrives; returns all of them, that one last. */
export async function eventsUntil(
  socket: NetworkSocket,
  type: NetworkEvent['type'],
  timeoutMs = 3000,
): Promise<NetworkEvent[]> {
  const events: NetworkEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const event = await nextEvent(socket, Math.max(1, deadline - Date.now()));
    events.push(event);
    if (event.type === type) return events;
  }
}

/** Text of a byte array. */
export const utf8 = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
/** Bytes of a string. */
export const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** What a server-side connection received: a packet / chunk / binary message, or a text frame. */
export type Received = Uint8Array | string;

/** Server-side view of one accepted connection, TCP or WebSocket. */
export interface Peer {
  /** Resolves with the client's game id once the GameMaker handshake finished (at once when raw). */
  readonly ready: Promise<number>;
  /** Packets (framed), chunks (raw TCP) or messages (raw WebSocket) received, in order. */
  readonly inbox: Inbox<Received>;
  /** Sends one framed packet. */
  sendPacket(payload: Uint8Array): void;
  /** Sends bytes (or a WebSocket text frame) without framing. */
  sendRaw(data: Uint8Array | string): void;
  /** Closes the connection (code/reason only reach WebSocket clients). */
  close(code?: number, reason?: string): void;
  /** Stops reading, so the client's pings go unanswered and nothing is sent: a hung server. */
  freeze(): void;
  /** Resolves when the connection is gone, with the close code and reason the client sent (WebSocket). */
  readonly closed: Promise<{ code?: number; reason?: string }>;
}

/** Runs framer outputs against a connection. */
function applyOutputs(outputs: GmOutput[], send: (b: Uint8Array) => void, peer: PeerState): void {
  for (const output of outputs) {
    if (output.type === 'send') send(output.bytes);
    else if (output.type === 'ready') peer.resolveReady(output.gameId);
    else peer.inbox.push(output.payload.slice());
  }
}

interface PeerState {
  inbox: Inbox<Received>;
  resolveReady: (gameId: number) => void;
}

function newPeerState(): PeerState & { ready: Promise<number> } {
  let resolveReady!: (gameId: number) => void;
  const ready = new Promise<number>((r) => {
    resolveReady = r;
  });
  return { inbox: new Inbox<Received>(), resolveReady, ready };
}

/** Server options. */
export interface TestServerOptions {
  /** Speak GameMaker framing (default true). */
  framed?: boolean;
  /** Accept connections but never send the hello (a raw or broken server). */
  silent?: boolean;
  /** WebSocket path to accept (default any). */
  path?: string;
}

/** A listening test server. */
export interface TestServer {
  readonly port: number;
  /** Connections in accept order. */
  readonly peers: Inbox<Peer>;
  close(): Promise<void>;
}

function tcpPeer(socket: Socket, options: TestServerOptions): Peer {
  const state = newPeerState();
  const send = (bytes: Uint8Array) => socket.write(bytes);
  socket.on('error', () => {});
  if (options.framed === false || options.silent) {
    state.resolveReady(0);
    socket.on('data', (chunk) => state.inbox.push(new Uint8Array(chunk)));
  } else {
    const framer = new GmServerFramer();
    applyOutputs(framer.start(), send, state);
    socket.on('data', (chunk) => applyOutputs(framer.receive(chunk), send, state));
  }
  return {
    ready: state.ready,
    inbox: state.inbox,
    sendPacket: (payload) => send(encodeGmPacket(payload)),
    sendRaw: (data) => socket.write(data),
    close: () => socket.end(),
    freeze: () => socket.pause(),
    closed: new Promise((resolve) => socket.once('close', () => resolve({}))),
  };
}

/** Starts a TCP server on 127.0.0.1:0. */
export async function startTcpServer(options: TestServerOptions = {}): Promise<TestServer> {
  const peers = new Inbox<Peer>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    peers.push(tcpPeer(socket, options));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function wsPeer(ws: WebSocket, options: TestServerOptions): Peer {
  const state = newPeerState();
  const send = (bytes: Uint8Array) => ws.send(bytes);
  const framed = options.framed !== false && !options.silent;
  const framer = framed ? new GmServerFramer() : undefined;
  if (framer) applyOutputs(framer.start(), send, state);
  else state.resolveReady(0);
  ws.on('message', (data, isBinary) => {
    const bytes = new Uint8Array(data as Buffer);
    if (!isBinary) state.inbox.push(utf8(bytes));
    else if (framer) applyOutputs(framer.receive(bytes), send, state);
    else state.inbox.push(bytes);
  });
  return {
    ready: state.ready,
    inbox: state.inbox,
    sendPacket: (payload) => send(encodeGmPacket(payload)),
    sendRaw: (data) => ws.send(data, { binary: typeof data !== 'string' }),
    close: (code, reason) => ws.close(code, reason),
    // ws answers pings by itself; pausing stops it reading them at all, like a hung process.
    freeze: () => ws.pause(),
    closed: new Promise((resolve) =>
      ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })),
    ),
  };
}

/** Starts a WebSocket server on 127.0.0.1:0. */
export async function startWsServer(options: TestServerOptions = {}): Promise<TestServer> {
  const peers = new Inbox<Peer>();
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    ...(options.path ? { path: options.path } : {}),
  });
  wss.on('connection', (ws) => peers.push(wsPeer(ws, options)));
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  return {
    port: (wss.address() as AddressInfo).port,
    peers,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
