/**
 * Text that is not valid UTF-8 is refused with a typed error instead of being silently replaced
 * (issue 14, item 4): HTTP bodies (400, gRPC 3), `/ws` text frames (close 1007), and GameMaker
 * packets (close 1007, except the CESU-8 surrogate pairs the GameMaker HTML5 runtime writes).
 */
import { CloseCode, CloseReason } from '@tether/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, call } from './http-client.ts';
import { RawSocket } from './realtime-helpers.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.stop());

const DEVICE = '/v2/account/authenticate/device';

/** POSTs raw bytes as the body of a device login. */
async function postBytes(
  path: string,
  body: Buffer,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${server.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: basicAuth(), 'content-type': 'application/json' },
    body: new Uint8Array(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** `{"id":"<prefix><byte>"}` with one raw byte inside the JSON string. */
function deviceBody(prefix: string, ...bytes: number[]): Buffer {
  return Buffer.concat([Buffer.from(`{"id":"${prefix}`), Buffer.from(bytes), Buffer.from('"}')]);
}

/** CESU-8 as the GameMaker HTML5 runtime writes it: each UTF-16 code unit encoded on its own. */
function cesu8(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const u = text.charCodeAt(i);
    if (u < 0x80) out.push(u);
    else if (u < 0x800) out.push(0xc0 | (u >> 6), 0x80 | (u & 0x3f));
    else out.push(0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f));
  }
  return Buffer.from(out);
}

describe('HTTP bodies', () => {
  it('refuses device ids ending in the invalid bytes FF and FE instead of merging them', async () => {
    const expected = {
      status: 400,
      body: expect.objectContaining({ code: 3, message: 'Request body is not valid UTF-8' }),
    };
    expect(await postBytes(DEVICE, deviceBody('utf8-device-', 0xff))).toEqual(expected);
    expect(await postBytes(DEVICE, deviceBody('utf8-device-', 0xfe))).toEqual(expected);
    // Overlong forms, encoded surrogates and truncated sequences are refused the same way.
    for (const bad of [
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
    ]) {
      expect(await postBytes(DEVICE, deviceBody('utf8-device-', ...bad))).toEqual(expected);
    }
  });

  it('accepts valid UTF-8 and keeps distinct characters distinct', async () => {
    const a = await postBytes(DEVICE, Buffer.from('{"id":"utf8-device-ÿ"}'));
    const b = await postBytes(DEVICE, Buffer.from('{"id":"utf8-device-þ"}'));
    const c = await postBytes(DEVICE, Buffer.from('{"id":"utf8-device-😀"}'));
    for (const r of [a, b, c]) expect(r.status).toBe(200);
    const ids = await Promise.all(
      [a, b, c].map(async (r) => {
        const account = await call(server.baseUrl, 'GET', '/v2/account', {
          auth: `Bearer ${r.body.token as string}`,
        });
        return (account.body!.user as { id: string }).id;
      }),
    );
    expect(new Set(ids).size).toBe(3);
  });

  it('refuses ids whose JSON escapes decode to lone surrogates, which storage cannot keep apart', async () => {
    for (const esc of ['\\ud800', '\\udbff', '\\udc00']) {
      const r = await postBytes(DEVICE, Buffer.from(`{"id":"utf8-device-${esc}"}`));
      expect(r).toEqual({ status: 400, body: expect.objectContaining({ code: 3 }) });
      expect(r.body.message).toMatch(/Device ID invalid/);
    }
  });
});

describe('/ws text frames', () => {
  it('closes with 1007 and the invalid-UTF-8 reason, and handles nothing of the frame', async () => {
    const raw = await RawSocket.login(server);
    raw.ws.send(
      Buffer.concat([
        Buffer.from('{"cid":"1","status_update":{"status":"'),
        Buffer.from([0xff]),
        Buffer.from('"}}'),
      ]),
      {
        binary: false,
      },
    );
    expect(await raw.closed).toEqual({ code: CloseCode.INVALID_PAYLOAD, reason: CloseReason.INVALID_UTF8 });
    expect(raw.received).toEqual([]);
  });

  it('refuses CESU-8 on /ws: it is not UTF-8', async () => {
    const raw = await RawSocket.login(server);
    raw.ws.send(Buffer.concat([Buffer.from('{"cid":"1","ping":{},"x":"'), cesu8('😀'), Buffer.from('"}')]), {
      binary: false,
    });
    expect((await raw.closed).code).toBe(CloseCode.INVALID_PAYLOAD);
  });
});

describe('GameMaker packets', () => {
  /** Joins a room whose name is given as raw bytes and returns the reply. */
  async function joinRoom(gm: GmRealtimeClient, name: Buffer): Promise<void> {
    gm.gm.send(
      Buffer.concat([
        Buffer.from('{"cid":"7","channel_join":{"type":1,"target":"'),
        name,
        Buffer.from('"}}\0'),
      ]),
    );
  }

  for (const carrier of ['tcp', 'ws'] as const) {
    const open = async () => {
      const gm =
        carrier === 'tcp'
          ? await GmRealtimeClient.tcp(server.gm!.port)
          : await GmRealtimeClient.ws(`ws://127.0.0.1:${server.http.port}/gm`);
      await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));
      return gm;
    };

    it(`${carrier}: accepts the CESU-8 surrogate pairs of the HTML5 runtime and decodes them right`, async () => {
      const gm = await open();
      await joinRoom(gm, cesu8('room-😀'));
      const reply = await gm.waitFor((e) => e.cid === '7', 'channel reply');
      expect(reply.channel).toMatchObject({ room_name: 'room-😀' });
      gm.destroy();
    });

    it(`${carrier}: closes with 1007 on any other invalid UTF-8 (a lone surrogate, FF)`, async () => {
      for (const bad of [Buffer.from([0xff]), cesu8('\ud83d'), Buffer.from([0xed, 0xb8, 0x80])]) {
        const gm = await open();
        await joinRoom(gm, Buffer.concat([Buffer.from('room-'), bad]));
        const closed = await gm.ended;
        if (carrier === 'ws') expect(closed).toEqual({ code: 1007, reason: CloseReason.INVALID_UTF8 });
        else {
          expect(gm.received.at(-1)).toEqual({
            error: { code: 1007, message: CloseReason.INVALID_UTF8 },
          });
        }
        expect(gm.received.some((e) => e.cid === '7')).toBe(false);
      }
    });
  }
});
