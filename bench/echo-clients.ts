/**
 * The load-generating clients of `echo.ts`. Each one connects to one echo server of
 * `echo-server.ts`, sends messages of a given payload size and reports every echo it gets back
 * through {@link EchoClient.onEcho}; the driver decides when to send.
 *
 * - {@link NetClient}: `node:net` with a u32 length prefix (reference A's client);
 * - {@link GmTcpClient}: lean byte-level GameMaker client over `node:net`, using the protocol's
 *   `GmClientFramer` (real handshake, packets decoded by the framer, frames encoded once per size);
 * - {@link WsClient}: plain `ws` (reference B's client, also used against Tether's raw WebSocket);
 * - {@link GmWsClient}: lean GameMaker client over `ws` with `GmClientFramer`;
 * - {@link SdkClient}: `@tether/client/node` `createSocket` (TCP or WebSocket, framed), drained with
 *   `waitForEvent()` + `poll()`, sending with `sendPacket` (the SDK's full per-message cost).
 *
 * @packageDocumentation
 */
import { connect, type Socket } from 'node:net';
import { createSocket, type StreamSocket } from '@tether/client/node';
import { encodeGmPacket, GmClientFramer, type GmOutput } from '@tether/protocol';
import WebSocket from 'ws';
import { LengthPrefixParser, lengthPrefixed } from './echo-wire.ts';

/** Host every benchmark connection uses: loopback only. */
export const HOST = '127.0.0.1';
/** Give up connecting (and the GameMaker handshake) after this long. */
const CONNECT_TIMEOUT_MS = 5000;

/** One benchmark connection. */
export interface EchoClient {
  /** Returns a function that sends one message with a `size`-byte payload. */
  sender(size: number): () => void;
  /** Called once per echoed message with its payload size; set by the driver. */
  onEcho: (size: number) => void;
  /** Called if the connection fails or closes while in use; set by the driver. */
  onError: (error: Error) => void;
  /** Closes the connection; resolves once it is closed. */
  close(): Promise<void>;
}

/** A payload of `size` bytes (contents do not matter to any echo server). */
function payloadOf(size: number): Uint8Array {
  return new Uint8Array(size).fill(0x61);
}

/** Rejects if `promise` does not settle within {@link CONNECT_TIMEOUT_MS}. */
function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no connection after ${CONNECT_TIMEOUT_MS} ms`)),
      CONNECT_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Base of the stream/WebSocket clients: the driver's hooks and an "unexpected close" report. */
abstract class BaseClient implements EchoClient {
  onEcho: (size: number) => void = () => {};
  onError: (error: Error) => void = () => {};
  protected closing = false;
  abstract sender(size: number): () => void;
  abstract close(): Promise<void>;

  /** Reports a close or error the driver did not ask for. */
  protected lost(what: string): void {
    if (!this.closing) this.onError(new Error(what));
  }
}

/** Opens a TCP connection with Nagle off, as every client here (and the Tether SDK) does. */
function openTcp(port: number): Promise<Socket> {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = connect({ host: HOST, port, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    }),
    `tcp ${port}`,
  );
}

/** Shared `node:net` plumbing: error/close reporting and an orderly close. */
abstract class TcpClientBase extends BaseClient {
  protected readonly socket: Socket;

  protected constructor(socket: Socket, name: string) {
    super();
    this.socket = socket;
    socket.on('error', (err) => this.lost(`${name}: ${err.message}`));
    socket.on('close', () => this.lost(`${name}: closed by the server`));
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise<void>((resolve) => this.socket.end(() => resolve())).then(() => {
      this.socket.destroy();
    });
  }
}

/** Reference A's client: one u32-length-prefixed frame per message, built once per size. */
export class NetClient extends TcpClientBase {
  /** Connects to a reference A server. */
  static async connect(port: number): Promise<NetClient> {
    return new NetClient(await openTcp(port));
  }

  private constructor(socket: Socket) {
    super(socket, 'net');
    const parser = new LengthPrefixParser((frame) => this.onEcho(frame.length - 4));
    socket.on('data', (chunk: Buffer) => parser.push(chunk));
  }

  sender(size: number): () => void {
    const frame = lengthPrefixed(payloadOf(size));
    return () => this.socket.write(frame);
  }
}

/** Runs framer outputs: handshake bytes go out, `ready` resolves the connect, packets are echoes. */
function applyGm(outputs: readonly GmOutput[], send: (b: Uint8Array) => void, c: GmHooks): void {
  for (const out of outputs) {
    if (out.type === 'packet') c.onEcho(out.payload.length);
    else if (out.type === 'send') send(out.bytes);
    else c.ready();
  }
}

interface GmHooks {
  onEcho(size: number): void;
  ready(): void;
}

/** Lean GameMaker TCP client: real handshake and framing through `GmClientFramer`, nothing else. */
export class GmTcpClient extends TcpClientBase {
  readonly #framer = new GmClientFramer();
  #ready: () => void = () => {};
  readonly #handshake = new Promise<void>((resolve) => (this.#ready = resolve));

  /** Connects and completes the GameMaker handshake. */
  static async connect(port: number): Promise<GmTcpClient> {
    const client = new GmTcpClient(await openTcp(port));
    await withTimeout(client.#handshake, `gm-tcp ${port} handshake`);
    return client;
  }

  private constructor(socket: Socket) {
    super(socket, 'gm-tcp');
    const hooks: GmHooks = { onEcho: (n) => this.onEcho(n), ready: () => this.#ready() };
    const send = (b: Uint8Array) => socket.write(b);
    socket.on('data', (chunk: Buffer) => {
      try {
        applyGm(this.#framer.receive(chunk), send, hooks);
      } catch (err) {
        this.lost(`gm-tcp: ${(err as Error).message}`);
      }
    });
  }

  sender(size: number): () => void {
    const frame = encodeGmPacket(payloadOf(size));
    return () => this.socket.write(frame);
  }
}

/**
 * Opens a `ws` client (no compression, as the servers offer none). Attach message handlers before
 * awaiting `opened`: `ws` emits a message that came with the upgrade response (the GameMaker hello)
 * right after `open`, before any promise continuation could attach one.
 */
function openWs(port: number): { ws: WebSocket; opened: Promise<void> } {
  const ws = new WebSocket(`ws://${HOST}:${port}/`, { perMessageDeflate: false });
  const opened = new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject);
      resolve();
    });
    ws.once('error', reject);
  });
  return { ws, opened: withTimeout(opened, `ws ${port}`) };
}

/** Shared `ws` plumbing: error/close reporting and an orderly close. */
abstract class WsClientBase extends BaseClient {
  protected readonly ws: WebSocket;

  protected constructor(ws: WebSocket, name: string) {
    super();
    this.ws = ws;
    ws.on('error', (err) => this.lost(`${name}: ${err.message}`));
    ws.on('close', (code) => this.lost(`${name}: closed by the server (${code})`));
  }

  close(): Promise<void> {
    this.closing = true;
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    this.ws.close(1000);
    return closed;
  }
}

/** Plain `ws` client: one binary message per message (reference B, and Tether's raw WebSocket). */
export class WsClient extends WsClientBase {
  /** Connects to a WebSocket echo server. */
  static async connect(port: number): Promise<WsClient> {
    const { ws, opened } = openWs(port);
    const client = new WsClient(ws);
    await opened;
    return client;
  }

  private constructor(ws: WebSocket) {
    super(ws, 'ws');
    ws.on('message', (data: Buffer) => this.onEcho(data.length));
  }

  sender(size: number): () => void {
    const payload = payloadOf(size);
    return () => this.ws.send(payload, { binary: true });
  }
}

/** Lean GameMaker WebSocket client: `ws` plus `GmClientFramer`, each packet one binary message. */
export class GmWsClient extends WsClientBase {
  readonly #framer = new GmClientFramer();
  #ready: () => void = () => {};
  readonly #handshake = new Promise<void>((resolve) => (this.#ready = resolve));

  /** Connects and completes the GameMaker handshake. */
  static async connect(port: number): Promise<GmWsClient> {
    const { ws, opened } = openWs(port);
    const client = new GmWsClient(ws);
    await opened;
    await withTimeout(client.#handshake, `gm-ws ${port} handshake`);
    return client;
  }

  private constructor(ws: WebSocket) {
    super(ws, 'gm-ws');
    const hooks: GmHooks = { onEcho: (n) => this.onEcho(n), ready: () => this.#ready() };
    const send = (b: Uint8Array) => ws.send(b, { binary: true });
    ws.on('message', (data: Buffer) => {
      try {
        applyGm(this.#framer.receive(data), send, hooks);
      } catch (err) {
        this.lost(`gm-ws: ${(err as Error).message}`);
      }
    });
  }

  sender(size: number): () => void {
    const frame = encodeGmPacket(payloadOf(size));
    return () => this.ws.send(frame, { binary: true });
  }
}

/**
 * The Tether client SDK (`@tether/client/node`), GameMaker-framed over TCP or WebSocket. Events
 * are drained as a bot would: `await waitForEvent()`, then `poll()`; sends go through `sendPacket`.
 */
export class SdkClient implements EchoClient {
  onEcho: (size: number) => void = () => {};
  onError: (error: Error) => void = () => {};
  readonly #socket: StreamSocket;
  #closing = false;
  #done: Promise<void> = Promise.resolve();

  /** Connects (`type` tcp or ws) and waits for the `non_blocking_connect` event. */
  static async connect(type: 'tcp' | 'ws', port: number): Promise<SdkClient> {
    const socket = createSocket({ type, connectTimeoutMs: CONNECT_TIMEOUT_MS });
    if (type === 'tcp') socket.connect(HOST, port);
    else socket.connect(`ws://${HOST}:${port}/`);
    await socket.waitForEvent();
    const [first] = socket.poll();
    if (first?.type !== 'non_blocking_connect' || first.succeeded !== 1) {
      throw new Error(
        `sdk ${type} ${port}: ${first?.type === 'non_blocking_connect' ? first.error : 'no connect'}`,
      );
    }
    const client = new SdkClient(socket);
    client.#done = client.#pump();
    return client;
  }

  private constructor(socket: StreamSocket) {
    this.#socket = socket;
  }

  sender(size: number): () => void {
    const payload = payloadOf(size);
    return () => {
      if (this.#socket.sendPacket(payload) < 0) this.onError(new Error(`sdk: ${this.#socket.lastError()}`));
    };
  }

  /** Drains the event queue until the socket closes (its `disconnect` event ends the loop). */
  async #pump(): Promise<void> {
    while (!this.#socket.isClosed() || this.#socket.hasEvent()) {
      await this.#socket.waitForEvent();
      for (const e of this.#socket.poll()) {
        if (e.type === 'data') this.onEcho(e.size);
        else if (e.type === 'disconnect' && !this.#closing) this.onError(new Error(`sdk: ${e.reason}`));
      }
    }
  }

  close(): Promise<void> {
    this.#closing = true;
    this.#socket.close();
    return this.#done;
  }
}
