/**
 * Drives the relay with what a GameMaker game puts on the wire, written here from raw bytes: the
 * server's "GM:Studio-Connect" hello, the 16-byte client signature, the 12-byte ack, then packets
 * with a 12-byte header (0xDEADC0DE, 12, length) whose payloads are GameMaker buffers. Over TCP
 * the bytes form one stream; over WebSocket each step and each packet is one binary message.
 */
import { connect } from 'node:net';
import { GmBuffer } from '@tether/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ClientPacket, ServerPacket } from '../src/protocol.ts';
import { type Relay, startRelay } from '../src/relay.ts';

const HELLO_HEX = '474d3a53747564696f2d436f6e6e65637400';
const SIGNATURE = Buffer.from('bebafeca0bb0adde1000000000000000', 'hex');
const ACK_HEX = 'adbeafdeebbe0df00c000000';

/** A GameMaker client: `network_connect` + `network_send_packet` + the Networking event's buffers. */
class GmClient {
  #bytes = Buffer.alloc(0);
  #wake: (() => void) | undefined;
  #ended = false;
  #write!: (b: Buffer) => void;
  #close!: () => void;

  static async overTcp(port: number): Promise<GmClient> {
    const c = new GmClient();
    const socket = connect(port, '127.0.0.1');
    socket.on('data', (chunk: Buffer) => c.#push(chunk));
    socket.on('close', () => c.#end());
    socket.on('error', () => {});
    c.#write = (b) => socket.write(b);
    c.#close = () => socket.destroy();
    await new Promise((resolve) => socket.once('connect', resolve));
    await c.#handshake();
    return c;
  }

  static async overWs(port: number): Promise<GmClient> {
    const c = new GmClient();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    ws.on('message', (data: Buffer) => c.#push(data));
    ws.on('close', () => c.#end());
    ws.on('error', () => {});
    c.#write = (b) => ws.send(b);
    c.#close = () => ws.terminate();
    await new Promise((resolve) => ws.once('open', resolve));
    await c.#handshake();
    return c;
  }

  /** Sends a buffer as one GameMaker packet. */
  send(buffer: GmBuffer): void {
    const payload = buffer.bytes();
    const header = Buffer.alloc(12);
    header.writeUInt32LE(0xdeadc0de, 0);
    header.writeUInt32LE(12, 4);
    header.writeUInt32LE(payload.length, 8);
    this.#write(Buffer.concat([header, payload]));
  }

  /** The next packet as a GameMaker buffer (what `async_load[? "buffer"]` holds). */
  async next(): Promise<GmBuffer> {
    const header = await this.#read(12);
    expect(header.readUInt32LE(0)).toBe(0xdeadc0de);
    expect(header.readUInt32LE(4)).toBe(12);
    return GmBuffer.from(await this.#read(header.readUInt32LE(8)));
  }

  /** Skips packets until one with `id` arrives; returns it positioned after the id byte. */
  async nextOf(id: number): Promise<GmBuffer> {
    for (;;) {
      const b = await this.next();
      if (b.readU8() === id) return b;
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  close(): void {
    this.#close();
  }

  async #handshake(): Promise<void> {
    expect((await this.#read(18)).toString('hex')).toBe(HELLO_HEX);
    this.#write(SIGNATURE);
    expect((await this.#read(12)).toString('hex')).toBe(ACK_HEX);
  }

  #push(chunk: Buffer): void {
    this.#bytes = Buffer.concat([this.#bytes, chunk]);
    this.#wake?.();
  }

  #end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async #read(n: number): Promise<Buffer> {
    while (this.#bytes.length < n) {
      if (this.#ended) throw new Error('connection closed');
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    const out = this.#bytes.subarray(0, n);
    this.#bytes = this.#bytes.subarray(n);
    return out;
  }
}

const join = (name: string) => new GmBuffer(16).writeU8(ClientPacket.join).writeString(name);

describe('gamemaker-relay example', () => {
  let relay: Relay | undefined;
  const clients: GmClient[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await relay?.close();
  });

  async function start(): Promise<Relay> {
    relay = await startRelay({ logger: pino({ level: 'silent' }), host: '127.0.0.1', tcpPort: 0, wsPort: 0 });
    return relay;
  }

  async function joined(client: GmClient, name: string): Promise<number> {
    clients.push(client);
    client.send(join(name));
    return (await client.nextOf(ServerPacket.welcome)).readU16();
  }

  it('relays joins, moves, chat and leaves between a TCP client and a WebSocket client', async () => {
    const r = await start();
    const alice = await GmClient.overTcp(r.tcp.address.port);
    const aliceId = await joined(alice, 'alice');
    const bob = await GmClient.overWs(r.ws.address.port);
    const bobId = await joined(bob, 'bob');
    expect(aliceId).not.toBe(bobId);

    // Bob learns about Alice on joining; Alice is told Bob joined.
    const aboutAlice = await bob.nextOf(ServerPacket.joined);
    expect([aboutAlice.readU16(), aboutAlice.readString()]).toEqual([aliceId, 'alice']);
    const aboutBob = await alice.nextOf(ServerPacket.joined);
    expect([aboutBob.readU16(), aboutBob.readString()]).toEqual([bobId, 'bob']);

    // TCP → WebSocket: a move.
    alice.send(new GmBuffer(9).writeU8(ClientPacket.move).writeF32(12.5).writeF32(-3));
    const moved = await bob.nextOf(ServerPacket.moved);
    expect([moved.readU16(), moved.readF32(), moved.readF32()]).toEqual([aliceId, 12.5, -3]);

    // WebSocket → everyone (sender included): chat.
    bob.send(new GmBuffer(16).writeU8(ClientPacket.chat).writeString('hi from the browser'));
    for (const c of [alice, bob]) {
      const chat = await c.nextOf(ServerPacket.chat);
      expect([chat.readU16(), chat.readString()]).toEqual([bobId, 'hi from the browser']);
    }

    // Leave: the others are told, the leaver is disconnected.
    bob.send(new GmBuffer(1).writeU8(ClientPacket.leave));
    expect((await alice.nextOf(ServerPacket.left)).readU16()).toBe(bobId);
    await expect(bob.next()).rejects.toThrow('connection closed');
    expect([...r.players.keys()]).toEqual([aliceId]);
  });

  it('tells the others when a client drops without leaving, and drops malformed clients', async () => {
    const r = await start();
    const alice = await GmClient.overWs(r.ws.address.port);
    const aliceId = await joined(alice, 'alice');
    const carol = await GmClient.overTcp(r.tcp.address.port);
    const carolId = await joined(carol, 'carol');
    carol.close();
    expect((await alice.nextOf(ServerPacket.left)).readU16()).toBe(carolId);

    // A move packet with its floats missing: the relay drops that client, Alice stays.
    const broken = await GmClient.overTcp(r.tcp.address.port);
    await joined(broken, 'broken');
    broken.send(new GmBuffer(1).writeU8(ClientPacket.move));
    await expect(broken.nextOf(0xff)).rejects.toThrow('connection closed');
    alice.send(new GmBuffer(8).writeU8(ClientPacket.chat).writeString('still here'));
    const chat = await alice.nextOf(ServerPacket.chat);
    expect([chat.readU16(), chat.readString()]).toEqual([aliceId, 'still here']);
  });
});
