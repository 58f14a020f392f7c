/**
 * Seams between features built apart (1/2): session resume across carriers and wire formats, against
 * the per-address connection limit, and in /metrics. Every connection is real (loopback sockets,
 * through a proxy that cuts them as a network drop does).
 */
import { describe, expect, it } from 'vitest';
import { consoleUrl } from './console-helpers.ts';
import { GmTestClient } from './gm-client.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { parsePrometheusText, sampleValue } from './prom-text.ts';
import './realtime-helpers.ts';
import { type Envelope, isControl, range, sequence } from './resume-helpers.ts';
import {
  breakAfterTwo,
  chat,
  chatSeq,
  gmTcp,
  held,
  joinRoom,
  leavesOf,
  login,
  proxyTo,
  ROOM,
  start,
  useSeamBed,
  ws,
} from './seam-helpers.ts';

useSeamBed();

describe('resume across carriers and formats', () => {
  it('resumes a GameMaker TCP session on /ws: the replay and what follows are JSON text frames', async () => {
    const s = await start();
    const proxy = await proxyTo(s.gm!.port);
    const a = ws(s.http.port, await login(s));
    await a.connect('', false);
    const channelId = await joinRoom(a);
    // Another GameMaker member: every broadcast is then also encoded as GameMaker packets.
    const other = await gmTcp(s.gm!.port);
    await other.authenticate(await GmRealtimeClient.token(s.baseUrl));
    await other.request('channel_join', ROOM);

    const token = await GmRealtimeClient.token(s.baseUrl);
    const gm = await gmTcp(proxy.port);
    const info = await gm.authenticate(token, { resumable: true });
    const first = (await gm.waitFor((e) => 'session_resume' in e)).session_resume as Envelope;
    await gm.request('channel_join', ROOM);
    await chat(a, channelId, [0, 1]);
    await gm.waitFor(() => sequence(gm.received, chatSeq).length === 2, 'two messages');
    proxy.cut();
    await gm.ended;
    await held(s, 1);
    await chat(a, channelId, [2, 3]);
    const seen = gm.received.filter((e) => !isControl(e));

    const b = ws(s.http.port, token);
    b.log.push(...seen);
    await b.connect(`&resume=${encodeURIComponent(String(first.token))}&resume_seq=${seen.length}`);
    expect(b.resume).toMatchObject({ resumed: true, session_id: info.session_id, replayed: 2 });
    await chat(a, channelId, [4]);
    await b.until(() => (sequence(b.log, chatSeq).length === 5 ? true : undefined), 'every message');
    expect(sequence(b.log, chatSeq)).toEqual(range(5));
    // Its own requests are read as JSON text frames too.
    await b.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: -1 }) });
    expect(leavesOf(a.log, String(info.session_id))).toEqual([]);
    await other.waitFor(() => sequence(other.received, chatSeq).length === 6, 'every message, GameMaker');
    expect(sequence(other.received, chatSeq)).toEqual([...range(5), -1]);
  });

  it('resumes a /ws session on GameMaker TCP: the replay and what follows are GameMaker packets', async () => {
    const s = await start();
    const proxy = await proxyTo(s.http.port);
    const a = ws(s.http.port, await login(s));
    await a.connect('', false);
    const channelId = await joinRoom(a);
    const token = await login(s);
    const b = ws(proxy.port, token);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    await joinRoom(b);
    await breakAfterTwo(s, proxy, a, b, channelId);

    const gm = await gmTcp(s.gm!.port);
    const again = await gm.authenticate(token, {
      resume_token: String(b.resume.token),
      resume_seq: b.log.length,
    });
    expect(again.session_id).toBe(sessionId);
    const resumed = (await gm.waitFor((e) => 'session_resume' in e)).session_resume as Envelope;
    expect(resumed).toMatchObject({ resumed: true, replayed: 2 });
    await chat(a, channelId, [4]);
    await gm.waitFor(() => sequence([...b.log, ...gm.received], chatSeq).length === 5, 'every message');
    expect(sequence([...b.log, ...gm.received], chatSeq)).toEqual(range(5));
    await gm.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: -1 }) });
    expect(leavesOf(a.log, sessionId)).toEqual([]);
  });

  for (const [from, to] of [
    ['json', 'protobuf'],
    ['protobuf', 'json'],
    ['protobuf', 'protobuf'],
  ] as const) {
    it(`resumes a ${from} /ws session on ${to}: session_resume, the replay and what follows in ${to}`, async () => {
      const s = await start();
      const proxy = await proxyTo(s.http.port);
      const a = ws(s.http.port, await login(s));
      await a.connect('', false);
      const channelId = await joinRoom(a);
      const b = ws(proxy.port, await login(s));
      b.format = from;
      await b.connect('&resumable=true');
      const sessionId = String(b.resume.session_id);
      // Protobuf leaves proto3 defaults out: a false `resumed` is absent there.
      expect(b.resume.resumed ?? false).toBe(false);
      expect(b.resume).toMatchObject({ grace_sec: 15 });
      expect(b.binary).toEqual([from === 'protobuf']);
      await joinRoom(b);
      await breakAfterTwo(s, proxy, a, b, channelId);

      const framesBefore = b.binary.length;
      b.format = to;
      await b.resumeWith();
      expect(b.resume).toMatchObject({ resumed: true, session_id: sessionId, replayed: 2 });
      await chat(a, channelId, [4]);
      await b.until(() => (sequence(b.log, chatSeq).length === 5 ? true : undefined), 'every message');
      expect(sequence(b.log, chatSeq)).toEqual(range(5));
      // session_resume, the two replayed messages and the new one all came in the new format.
      expect(b.binary.slice(framesBefore)).toEqual([to === 'protobuf', ...Array(3).fill(to === 'protobuf')]);
      await b.request('channel_message_send', {
        channel_id: channelId,
        content: JSON.stringify({ seq: -1 }),
      });
      expect(leavesOf(a.log, sessionId)).toEqual([]);
      expect(s.realtime.lifecycle.held).toBe(0);
    });
  }
});

describe('resume against the per-address connection limit', () => {
  it('admits the resume of a cut session when the address holds its limit less the dead connection', async () => {
    const s = await start({ socketMaxConnectionsPerAddress: 3 });
    const proxy = await proxyTo(s.http.port);
    for (let i = 0; i < 2; i++) await ws(s.http.port, await login(s)).connect('', false);
    const b = ws(proxy.port, await login(s));
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    // At the limit: a fourth connection is refused.
    await expect(ws(s.http.port, await login(s)).connect('', false)).rejects.toThrow('HTTP 429');
    proxy.cut();
    await b.closed;
    await held(s, 1);
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: true, session_id: sessionId });
  });

  it('GameMaker: a held session holds no slot, so its resume is admitted at the address limit', async () => {
    const s = await start({ gmMaxClientsPerAddress: 2 });
    const proxy = await proxyTo(s.gm!.port);
    const other = await gmTcp(s.gm!.port);
    await other.authenticate(await GmRealtimeClient.token(s.baseUrl));
    const token = await GmRealtimeClient.token(s.baseUrl);
    const gm = await gmTcp(proxy.port);
    const info = await gm.authenticate(token, { resumable: true });
    const first = (await gm.waitFor((e) => 'session_resume' in e)).session_resume as Envelope;
    // At the limit: a third connection is refused at accept.
    const third = await GmTestClient.tcp(s.gm!.port);
    expect(await third.nextJson()).toEqual({
      error: { code: 1013, message: 'too many connections from this address' },
    });
    third.destroy();
    proxy.cut();
    await gm.ended;
    await held(s, 1);
    const gm2 = await gmTcp(s.gm!.port);
    const again = await gm2.authenticate(token, { resume_token: String(first.token), resume_seq: 0 });
    expect(again.session_id).toBe(info.session_id);
  });

  it('admits a resume that takes over a connection the server still thinks alive at the limit', async () => {
    const s = await start({ socketMaxConnectionsPerAddress: 3 });
    const proxy = await proxyTo(s.http.port);
    for (let i = 0; i < 2; i++) await ws(s.http.port, await login(s)).connect('', false);
    const b = ws(proxy.port, await login(s));
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    proxy.freeze();
    const again = ws(s.http.port, b.token);
    await again.connect(`&resume=${encodeURIComponent(String(b.resume.token))}&resume_seq=${b.log.length}`);
    expect(again.resume).toMatchObject({ resumed: true, session_id: sessionId });
    // The replaced connection's slot is free again once it has closed: still at the limit, not over.
    await expect(ws(s.http.port, await login(s)).connect('', false)).rejects.toThrow('HTTP 429');
  });

  it('still refuses at the limit a resume that replaces nothing of this address', async () => {
    const s = await start({ socketMaxConnectionsPerAddress: 2 });
    const proxy = await proxyTo(s.http.port);
    const b = ws(proxy.port, await login(s));
    await b.connect('&resumable=true');
    proxy.cut();
    await b.closed;
    await held(s, 1);
    for (let i = 0; i < 2; i++) await ws(s.http.port, await login(s)).connect('', false);
    await expect(b.resumeWith()).rejects.toThrow('HTTP 429');
    // A forged resume token does not get over the limit either.
    const forged = ws(s.http.port, b.token);
    await expect(forged.connect('&resume=x.y&resume_seq=0')).rejects.toThrow('HTTP 429');
    expect(s.realtime.lifecycle.held).toBe(1);
  });
});

describe('held sessions in /metrics', () => {
  it('counts a held session under carrier held, and a session resumed on another carrier under that one', async () => {
    const s = await start();
    const scrape = async () => parsePrometheusText(await (await fetch(`${consoleUrl(s)}/metrics`)).text());
    const proxy = await proxyTo(s.http.port);
    const b = ws(proxy.port, await login(s));
    await b.connect('&resumable=true');
    const count = (m: Awaited<ReturnType<typeof scrape>>, carrier: string) =>
      sampleValue(m, 'tether_sessions', { carrier }) ?? 0;
    let m = await scrape();
    expect([count(m, 'ws'), count(m, 'held'), count(m, 'gm-tcp')]).toEqual([1, 0, 0]);
    proxy.cut();
    await b.closed;
    await held(s, 1);
    m = await scrape();
    expect([count(m, 'ws'), count(m, 'held'), count(m, 'gm-tcp')]).toEqual([0, 1, 0]);
    const gm = await gmTcp(s.gm!.port);
    await gm.authenticate(b.token, { resume_token: String(b.resume.token), resume_seq: b.log.length });
    await gm.waitFor((e) => 'session_resume' in e);
    m = await scrape();
    expect([count(m, 'ws'), count(m, 'held'), count(m, 'gm-tcp')]).toEqual([0, 0, 1]);
  });
});
