/**
 * UDP socket (`node:dgram`) for GameMaker's `network_socket_udp` with the raw functions.
 *
 * GameMaker's non-raw UDP header (and its "reliable UDP" header) is undocumented, so only raw datagrams
 * are supported: `sendPacket` throws rather than guess a layout real GameMaker clients would reject.
 *
 * @packageDocumentation
 */

import { createSocket as createDgramSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { CloseCode } from '@tether/protocol';
import {
  NetworkSocket,
  type Payload,
  payloadBytes,
  type QueueOptions,
  type SendRawOptions,
} from '../base.ts';
import { ClientError, ClientErrorCode, toSocketError } from '../errors.ts';
import { type HeartbeatOptions, IdleWatchdog, validateHeartbeat } from '../heartbeat.ts';
import { resolveTarget } from '../target.ts';

/** Options of a UDP socket. */
export interface DatagramSocketOptions extends QueueOptions {
  /** Carrier. */
  type: 'udp';
  /** Local port to bind (GameMaker's `network_create_socket_ext`); default: any free port. */
  localPort?: number;
  /** Address family (default `udp4`). */
  family?: 'udp4' | 'udp6';
  /** Close the socket when nothing arrived for `timeoutMs` after `connect()`. */
  heartbeat?: HeartbeatOptions;
}

const encoder = new TextEncoder();

/**
 * A UDP socket. It binds when created, so `sendDatagram` works at once and every received datagram
 * becomes a `data` event whose `ip`/`port` name the sender. `connect(host, port)` is optional: it
 * picks a default peer for `sendRaw` and reports `non_blocking_connect` once bound, so code written
 * for TCP or WebSocket sockets also runs over UDP. `close()` then queues a `disconnect`.
 */
export class DatagramSocket extends NetworkSocket {
  readonly #socket: Socket;
  readonly #heartbeat: HeartbeatOptions | undefined;
  #bound = false;
  #peer: { host: string; port: number } | undefined;
  #watchdog: IdleWatchdog | undefined;

  /** Prefer `createSocket({ type: 'udp' })`. Binds immediately. */
  constructor(options: DatagramSocketOptions) {
    super('udp', options);
    this.#heartbeat = options.heartbeat;
    if (this.#heartbeat) validateHeartbeat(this.#heartbeat);
    this.#socket = createDgramSocket(options.family ?? 'udp4');
    this.#socket.on('message', (message, remote) => this.#receive(message, remote));
    this.#socket.on('error', (error) => this.#fail(error));
    this.#socket.once('listening', () => {
      this.#bound = true;
      if (this.state === 'connecting') this.#becomeOpen();
    });
    this.#socket.bind(options.localPort ?? 0);
  }

  /** The bound local port, or undefined until binding finished. */
  localPort(): number | undefined {
    return this.#bound && this.state !== 'closed' ? this.#socket.address().port : undefined;
  }

  /** Sets the default peer for `sendRaw`; a `non_blocking_connect` event follows once the socket is bound. */
  connect(host: string, port?: number): void {
    if (this.state !== 'idle') {
      throw new ClientError(ClientErrorCode.INVALID_STATE, `connect() is not allowed in state ${this.state}`);
    }
    const target = resolveTarget('udp', host, port);
    this.#peer = { host: target.host, port: target.port };
    this.setRemote(target.host, target.port);
    this.setState('connecting');
    if (this.#bound) this.#becomeOpen();
  }

  /** Not supported: GameMaker's UDP packet header is undocumented. Throws UNSUPPORTED. */
  sendPacket(_data: Payload, _size?: number): number {
    throw new ClientError(
      ClientErrorCode.UNSUPPORTED,
      "GameMaker's UDP header is undocumented, so udp sockets are raw only: use sendDatagram or sendRaw",
    );
  }

  /** Sends one datagram to the peer given to `connect()`. Returns the bytes sent, or -1 when not open. */
  sendRaw(data: Payload | string, options: SendRawOptions = {}): number {
    const peer = this.#peer;
    if (!peer) {
      throw new ClientError(
        ClientErrorCode.INVALID_STATE,
        'sendRaw on udp needs connect(host, port) first; or use sendDatagram',
      );
    }
    if (this.state !== 'open') {
      this.recordError(`cannot send: socket is ${this.state}, not open`);
      return -1;
    }
    return this.#sendTo(
      peer.host,
      peer.port,
      typeof data === 'string' ? encoder.encode(data) : payloadBytes(data, options.size),
    );
  }

  /**
   * Sends one datagram (`network_send_udp_raw`). Returns the byte count, or -1 once the socket is closed.
   * Delivery errors arrive later as non-fatal `error` events.
   */
  sendDatagram(host: string, port: number, data: Payload): number {
    const target = resolveTarget('udp', host, port);
    if (this.state === 'closed') {
      this.recordError('cannot send: socket is closed');
      return -1;
    }
    return this.#sendTo(target.host, target.port, payloadBytes(data));
  }

  /** Releases the port. Queues a `disconnect` if `connect()` had succeeded. */
  close(code: number = CloseCode.NORMAL, reason = ''): void {
    if (this.state === 'closed') return;
    this.#stop();
    if (this.state === 'open') this.emitDisconnect(code, reason, true);
    else if (this.state === 'connecting') {
      this.emitConnectFailed(
        new ClientError(
          ClientErrorCode.CONNECT_ABORTED,
          'connect aborted: close() was called before it finished',
        ),
        code,
      );
    } else this.setState('closed');
  }

  #sendTo(host: string, port: number, bytes: Uint8Array): number {
    // Copy: dgram sends asynchronously and games reuse their send buffers.
    const copy = bytes.slice();
    this.#socket.send(copy, port, host, (error) => {
      if (!error || this.state === 'closed') return;
      const failure = toSocketError(error, ClientErrorCode.SEND_FAILED, `datagram to ${host}:${port} failed`);
      this.recordError(failure.message);
      const event = {
        ...this.eventBase(),
        type: 'error',
        error: failure.message,
        errorCode: failure.code,
      } as const;
      if (!this.queue.offer(event)) this.#fail(this.overflowError());
    });
    return copy.length;
  }

  #receive(message: Buffer, remote: RemoteInfo): void {
    if (this.state === 'closed') return;
    this.#watchdog?.touch();
    if (!this.emitData(message, undefined, { ip: remote.address, port: remote.port })) {
      this.#fail(this.overflowError());
    }
  }

  #becomeOpen(): void {
    this.setState('open');
    this.emitConnected();
    if (this.#heartbeat)
      this.#watchdog = new IdleWatchdog(
        this.#heartbeat,
        () => {},
        (error) => this.#fail(error),
      );
  }

  #fail(err: unknown): void {
    if (this.state === 'closed') return;
    // Until the socket is bound, the only thing that can fail is binding the local port.
    const code = this.#bound ? ClientErrorCode.CONNECTION_LOST : ClientErrorCode.BIND_FAILED;
    const error = toSocketError(err, code, 'udp socket error');
    this.#stop();
    if (this.state === 'open') this.emitDisconnect(error.closeCode, error.message, false, error);
    else if (this.state === 'connecting') this.emitConnectFailed(error, error.closeCode);
    else {
      // Never connected (e.g. the bind failed): report the error; there is no connection to disconnect.
      this.setState('closed');
      this.recordError(error.message);
      this.queue.force({ ...this.eventBase(), type: 'error', error: error.message, errorCode: error.code });
    }
  }

  #stop(): void {
    this.#watchdog?.stop();
    this.#watchdog = undefined;
    try {
      this.#socket.close();
    } catch {
      // Already closed by a failed bind; nothing left to release.
    }
  }
}
