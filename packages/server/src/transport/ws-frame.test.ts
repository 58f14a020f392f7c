import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { WsAcceptor, type WsConnection, wsFrame, wsFrameHeaderLength, wsFramePayload } from './ws.ts';

const silent = pino({ level: 'silent' });
/** `ws`'s own framing (exported by its CommonJS entry, not in its types), the reference for {@link wsFrame}. */
const { Sender } = createRequire(import.meta.url)('ws') as {
  Sender: { frame(data: Buffer, options: object): Buffer[] };
};
const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

/** A `/ws`-like endpoint; resolves with the server side of the first connection and its client. */
async function pair(textFrames: boolean): Promise<{ server: WsConnection; client: WebSocket }> {
  let accepted!: (c: WsConnection) => void;
  const connected = new Promise<WsConnection>((r) => {
    accepted = r;
  });
  const acceptor = new WsAcceptor({
    logger: silent,
    maxPayload: 1 << 20,
    textFrames,
    onConnection: accepted,
  });
  const http = createServer();
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    acceptor.handleUpgrade(req, socket, head),
  );
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise((r) => http.close(r)));
  cleanup.push(() => http.closeAllConnections());
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}/`);
  cleanup.push(() => client.terminate());
  await new Promise((r, j) => {
    client.once('open', r);
    client.once('error', j);
  });
  return { server: await connected, client };
}

function collect(client: WebSocket, n: number): Promise<{ data: Buffer; binary: boolean }[]> {
  const got: { data: Buffer; binary: boolean }[] = [];
  return new Promise((resolve) => {
    client.on('message', (data: Buffer, binary: boolean) => {
      got.push({ data, binary });
      if (got.length === n) resolve(got);
    });
  });
}

describe('pre-framed WebSocket writes', () => {
  const sizes = [0, 1, 125, 126, 127, 65535, 65536, 70000];
  it.each(sizes)('wsFrame writes the bytes ws writes for a %i-byte payload', (size) => {
    const payload = Buffer.alloc(size, 0x61);
    for (const [opcode, binary] of [
      [1, false],
      [2, true],
    ] as const) {
      const theirs = Buffer.concat(
        Sender.frame(payload, { fin: true, opcode, mask: false, readOnly: false, rsv1: false }),
      );
      expect(wsFrame(payload, opcode).equals(theirs), `binary ${binary}`).toBe(true);
      expect(wsFrame(payload.toString('latin1'), opcode).equals(theirs)).toBe(true);
      expect(wsFrameHeaderLength(theirs)).toBe(theirs.length - size);
      expect(Buffer.from(wsFramePayload(theirs)).equals(payload)).toBe(true);
    }
  });

  it('writes a string payload as UTF-8', () => {
    const text = '{"a":"é😀"}';
    expect(Buffer.from(wsFramePayload(wsFrame(text, 1))).toString('utf8')).toBe(text);
  });

  it.each([true, false])(
    'delivers framed, ws.send and control frames in order (text frames: %s)',
    async (text) => {
      const { server, client } = await pair(text);
      expect(server.frameKind).toBe(text ? 'ws-text' : 'ws-binary');
      const big = 'x'.repeat(70000);
      const got = collect(client, 5);
      let pinged = false;
      client.on('ping', () => {
        pinged = true;
      });
      // Framed writes bypass ws.send (they go to the socket as they are) while ws is idle, as it is
      // here: if a ws upgrade changed the internals this relies on, they would fall back to ws.send.
      const send = vi.spyOn(WebSocket.prototype, 'send');
      server.sendFramed([server.frame('one'), server.frame('two')]);
      expect(send).not.toHaveBeenCalled();
      server.ping();
      server.sendFrames([server.encode(text ? 'three' : Buffer.from('three'))]);
      expect(send).toHaveBeenCalledTimes(1);
      server.sendFramed([server.frame(Buffer.from('four')), server.frame(big)]);
      expect(send).toHaveBeenCalledTimes(1);
      send.mockRestore();
      const messages = await got;
      expect(messages.map((m) => m.data.toString('utf8'))).toEqual(['one', 'two', 'three', 'four', big]);
      expect(messages.every((m) => m.binary === !text)).toBe(true);
      expect(pinged).toBe(true);
      expect(server.bufferedBytes).toBe(0);
    },
  );

  it('writes its pings as they are and tells each pong target of the answers', async () => {
    const { server, client } = await pair(true);
    const payloads: Buffer[] = [];
    client.on('ping', (data: Buffer) => payloads.push(data));
    const touched: string[] = [];
    const first = { touch: () => touched.push('first') };
    const second = { touch: () => touched.push('second') };
    const removeFirst = server.onPong(first);
    server.onPong(second);
    // While ws's sender is idle the ping's two bytes go straight to the socket, not through ws.ping.
    const ping = vi.spyOn(WebSocket.prototype, 'ping');
    const pong = () => new Promise((r) => client.once('ping', () => setImmediate(r)));
    let answered = pong();
    expect(server.ping()).toBe(true);
    expect(ping).not.toHaveBeenCalled();
    ping.mockRestore();
    await answered;
    await vi.waitFor(() => expect(touched).toEqual(['first', 'second']));
    removeFirst();
    answered = pong();
    server.ping();
    await answered;
    await vi.waitFor(() => expect(touched).toEqual(['first', 'second', 'second']));
    expect(payloads.map((p) => p.length)).toEqual([0, 0]);
    // A ping from the peer proves it alive too.
    client.ping();
    await vi.waitFor(() => expect(touched).toHaveLength(4));
  });

  it('refuses to write once closing', async () => {
    const { server, client } = await pair(true);
    const closed = new Promise((r) => client.once('close', r));
    server.close(1000, 'bye');
    expect(server.sendFramed([server.frame('late')])).toBe(false);
    await closed;
  });
});
