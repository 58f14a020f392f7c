import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GmTestClient, HELLO } from './gm-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';

// The realtime protocol answers on these carriers; before `authenticate` every other message is
// refused with an error envelope (realtime-gamemaker.test.ts covers the protocol itself).
const MISSING = { error: { code: 2, message: 'Missing message.' } };

describe('tether serve: GameMaker carriers', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('completes the GameMaker handshake on the TCP gm port and answers packets with JSON envelopes', async () => {
    server = await startTestServer();
    expect(server.gm).not.toBeNull();
    const client = await GmTestClient.tcp(server.gm!.port);
    client.send('{"ping":{}}\0');
    client.send('second');
    expect(await client.nextJson()).toMatchObject({ error: { code: 3 } });
    expect(await client.nextJson()).toEqual({ error: { code: 1008, message: 'not authenticated' } });
    await client.closed;
  });

  it('speaks the same handshake inside binary messages on /gm', async () => {
    server = await startTestServer();
    const client = await GmTestClient.ws(`ws://127.0.0.1:${server.http.port}/gm`);
    client.send('{}');
    expect(await client.nextJson()).toEqual(MISSING);
    expect(await client.closed).toEqual({ code: 1008, reason: 'not authenticated' });
  });

  it('refuses clients over gmMaxClients on both carriers', async () => {
    server = await startTestServer({ gmMaxClients: 1 });
    await GmTestClient.tcp(server.gm!.port);
    const tcp = await GmTestClient.tcp(server.gm!.port);
    expect(await tcp.nextJson()).toEqual({ error: { code: 1013, message: 'server full (1 clients)' } });
    await tcp.closed;
    const ws = new WebSocket(`ws://127.0.0.1:${server.http.port}/gm`);
    const closed = await new Promise<[number, string]>((resolve) =>
      ws.on('close', (code, reason) => resolve([code, reason.toString()])),
    );
    expect(closed).toEqual([1013, 'server full (1 clients)']);
  });

  it('closes a WebSocket client whose packet is over gmMaxMessageBytes with 1009', async () => {
    server = await startTestServer({ gmMaxMessageBytes: 32 });
    const client = await GmTestClient.ws(`ws://127.0.0.1:${server.http.port}/gm`);
    client.send(new Uint8Array(33));
    expect((await client.closed).code).toBe(1009);
    const ok = await GmTestClient.ws(`ws://127.0.0.1:${server.http.port}/gm`);
    ok.send(new Uint8Array(32));
    expect(await ok.nextJson()).toMatchObject({ error: { code: 1 } });
    ok.destroy();
  });

  it('ends a TCP client sending bad magic with a close notice naming the error; others keep working', async () => {
    server = await startTestServer();
    const good = await GmTestClient.tcp(server.gm!.port);
    const bad = await GmTestClient.tcp(server.gm!.port);
    bad.sendRaw(Buffer.from('0102030405060708090a0b0c', 'hex'));
    const notice = (await bad.nextJson()) as { error: { code: number; message: string } };
    expect(notice.error.code).toBe(1002);
    expect(notice.error.message).toMatch(/^GM_BAD_MAGIC: /);
    await bad.closed;
    good.send('{}');
    expect(await good.nextJson()).toEqual(MISSING);
    good.destroy();
  });

  it('closes GameMaker clients with a reason on shutdown and stops accepting', async () => {
    server = await startTestServer();
    const tcp = await GmTestClient.tcp(server.gm!.port);
    const ws = await GmTestClient.ws(`ws://127.0.0.1:${server.http.port}/gm`);
    const port = server.gm!.port;
    await server.close();
    expect(await tcp.nextJson()).toEqual({ error: { code: 1001, message: 'server shutting down' } });
    await tcp.closed;
    expect(await ws.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    const refused = connect(port, '127.0.0.1');
    await expect(
      new Promise((resolve, reject) => {
        refused.on('connect', resolve);
        refused.on('error', reject);
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });

  it('sends the hello first on a fresh TCP connection', async () => {
    server = await startTestServer();
    const client = await GmTestClient.tcp(server.gm!.port, { handshake: false });
    expect((await client.reader.read(18)).equals(HELLO)).toBe(true);
    client.destroy();
  });
});
