/**
 * Seams between features built apart: session resume with the carriers and wire formats, the
 * per-address admission limits, the shutdown drain and revocation. Every connection is real (loopback
 * sockets, through a proxy that cuts them as a network drop does).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { TetherConfig } from '../src/config/config.ts';
import { type ServingCli, startCli } from './cli-process.ts';
import { consoleUrl } from './console-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import { parsePrometheusText, sampleValue } from './prom-text.ts';
import './realtime-helpers.ts';
import { CutProxy, type Envelope, isControl, ResumingWs, range, sequence } from './resume-helpers.ts';

let server: TestServer | undefined;
const proxies: CutProxy[] = [];
const sockets: ResumingWs[] = [];
const gms: GmRealtimeClient[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.close();
  for (const g of gms.splice(0)) g.destroy();
  for (const p of proxies.splice(0)) await p.close();
  await server?.stop();
  server = undefined;
});

async function start(overrides: Partial<TetherConfig> = {}): Promise<TestServer> {
  server = await startTestServer(overrides);
  return server;
}

async function proxyTo(port: number): Promise<CutProxy> {
  const proxy = await CutProxy.start(port);
  proxies.push(proxy);
  return proxy;
}

async function login(s: TestServer): Promise<string> {
  return (await deviceLogin(s.baseUrl, `seam-${Math.random().toString(36).slice(2, 14)}`)).token;
}

function ws(port: number, token: string): ResumingWs {
  const client = new ResumingWs(port, token);
  sockets.push(client);
  return client;
}

async function gmTcp(port: number): Promise<GmRealtimeClient> {
  const client = await GmRealtimeClient.tcp(port);
  gms.push(client);
  return client;
}

const ROOM = { target: 'seam-room', type: 1, persistence: false, hidden: false };

async function joinRoom(client: ResumingWs): Promise<string> {
  const reply = await client.request('channel_join', ROOM);
  return (reply.channel as { id: string }).id;
}

const chatSeq = (e: Envelope) => {
  const m = e.channel_message as { content: string } | undefined;
  return m ? (JSON.parse(m.content) as { seq: number }).seq : undefined;
};

/** Presence events in `log` that announce `sessionId` leaving. */
function leavesOf(log: readonly Envelope[], sessionId: string): Envelope[] {
  return log.filter((e) => {
    const body = e.channel_presence_event as { leaves?: { session_id: string }[] } | undefined;
    return body?.leaves?.some((p) => p.session_id === sessionId) === true;
  });
}

/** Waits until the server holds `n` sessions for a resume. */
function held(s: TestServer, n: number): Promise<true> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const check = () => {
      if (s.realtime.lifecycle.held === n) resolve(true);
      else if (Date.now() > deadline)
        reject(new Error(`server never held ${n} (holds ${s.realtime.lifecycle.held})`));
      else setTimeout(check, 5);
    };
    check();
  });
}

/** The HTTP status and JSON body of a refused WebSocket upgrade. */
function upgradeRefusal(url: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('open', () => reject(new Error('upgrade accepted')));
    socket.on('error', () => {});
    socket.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
  });
}

async function chat(from: ResumingWs, channelId: string, seqs: readonly number[]): Promise<void> {
  for (const seq of seqs)
    await from.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq }) });
}

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
    await chat(a, channelId, [0, 1]);
    await b.until(() => (sequence(b.log, chatSeq).length === 2 ? true : undefined), 'two messages');
    proxy.cut();
    await b.closed;
    await held(s, 1);
    await chat(a, channelId, [2, 3]);

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

  it('refuses to resume a held JSON session with format=protobuf (400), and keeps it held for JSON', async () => {
    const s = await start();
    const proxy = await proxyTo(s.http.port);
    const token = await login(s);
    const b = ws(proxy.port, token);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    proxy.cut();
    await b.closed;
    await held(s, 1);
    const query = `resume=${encodeURIComponent(String(b.resume.token))}&resume_seq=${b.log.length}`;
    const refusal = await upgradeRefusal(
      `ws://127.0.0.1:${s.http.port}/ws?token=${token}&format=protobuf&${query}`,
    );
    expect(refusal).toMatchObject({
      status: 400,
      body: { code: 3, message: 'Invalid resume parameters: session resume needs format=json' },
    });
    expect(s.realtime.lifecycle.held).toBe(1);
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: true, session_id: sessionId });
  });
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

describe('shutdown with held sessions', () => {
  it('releases held sessions and refuses a resume during the drain', async () => {
    const s = await start();
    let started!: () => void;
    const running = new Promise<void>((r) => {
      started = r;
    });
    let release!: (v: string) => void;
    const released = new Promise<string>((r) => {
      release = r;
    });
    await s.runtime.run((initializer) => {
      initializer.registerRpc('slow', async () => {
        started();
        return released;
      });
    }, 'seam-drain');
    const proxy = await proxyTo(s.http.port);
    const gmProxy = await proxyTo(s.gm!.port);
    const b = ws(proxy.port, await login(s));
    await b.connect('&resumable=true');
    await joinRoom(b);
    const gmToken = await GmRealtimeClient.token(s.baseUrl);
    const gm = await gmTcp(gmProxy.port);
    await gm.authenticate(gmToken, { resumable: true });
    const gmResume = (await gm.waitFor((e) => 'session_resume' in e)).session_resume as Envelope;
    proxy.cut();
    gmProxy.cut();
    await held(s, 2);

    // A request in flight keeps the drain open while the resumes arrive.
    const c = ws(s.http.port, await login(s));
    await c.connect('', false);
    c.send({ cid: 'slow', rpc: { id: 'slow' } });
    await running;
    const closing = s.close('test shutdown');
    while (!s.realtime.lifecycle.draining) await new Promise((r) => setTimeout(r, 5));
    // The HTTP listener is closed from the start of the shutdown: the connection is refused.
    const direct = ws(s.http.port, b.token);
    direct.controls.push(...b.controls);
    await expect(direct.resumeWith()).rejects.toThrow(/ECONNREFUSED|HTTP 503/);
    // The GameMaker listener stops later (phase 'carriers'); its endpoint refuses at once.
    const gm2 = await gmTcp(s.gm!.port);
    gm2.send({ cid: '1', authenticate: { token: gmToken, resume_token: gmResume.token, resume_seq: 0 } });
    await gm2.ended;
    expect(gm2.received).toEqual([{ error: { code: 1001, message: 'server shutting down' } }]);
    expect(s.realtime.lifecycle.held).toBe(2);
    release('done');
    await closing;
    expect(s.realtime.lifecycle.held).toBe(0);
    expect(s.realtime.lifecycle.size).toBe(0);
  });
});

describe('revocation of a held session', () => {
  async function logout(s: TestServer, token: string): Promise<void> {
    const res = await fetch(`${s.baseUrl}/v2/session/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
  }

  it('drops it at logout; a resume right after is refused, with the revocation cache on', async () => {
    const s = await start({ revocationCacheMs: 60_000 });
    const proxy = await proxyTo(s.http.port);
    const device = `seam-${Math.random().toString(36).slice(2, 14)}`;
    const first = (await deviceLogin(s.baseUrl, device)).token;
    const second = (await deviceLogin(s.baseUrl, device)).token;
    const b = ws(proxy.port, first);
    await b.connect('&resumable=true');
    // The first token's verdict is cached now ("not revoked").
    await b.request('channel_join', ROOM);
    proxy.cut();
    await b.closed;
    await held(s, 1);
    await logout(s, first);
    expect(s.realtime.lifecycle.held).toBe(0);
    // With the logged-out token: no upgrade at all.
    const direct = ws(s.http.port, first);
    direct.controls.push(...b.controls);
    await expect(direct.resumeWith()).rejects.toThrow('HTTP 401');
    // With another valid token of the same user: a fresh session, told why.
    const other = ws(s.http.port, second);
    other.controls.push(...b.controls);
    await other.resumeWith();
    expect(other.resume).toMatchObject({ resumed: false, reason: 'expired' });
    expect(other.resume.session_id).not.toBe((b.controls[0]!.session_resume as Envelope).session_id);
  });

  it('drops a held GameMaker session at a ban; its resume is refused', async () => {
    const s = await start();
    const proxy = await proxyTo(s.gm!.port);
    const { token } = await deviceLogin(s.baseUrl, `seam-${Math.random().toString(36).slice(2, 14)}`);
    const gm = await gmTcp(proxy.port);
    const info = await gm.authenticate(token, { resumable: true });
    const resume = (await gm.waitFor((e) => 'session_resume' in e)).session_resume as Envelope;
    proxy.cut();
    await gm.ended;
    await held(s, 1);
    await s.runtime.nk.usersBanId([String(info.user_id)]);
    expect(s.realtime.lifecycle.held).toBe(0);
    const gm2 = await gmTcp(s.gm!.port);
    gm2.send({ cid: '1', authenticate: { token, resume_token: resume.token, resume_seq: 0 } });
    await gm2.ended;
    expect(gm2.received).toMatchObject([{ cid: '1', error: { code: 3 } }, { error: { code: 1008 } }]);
  });
});

describe('GameMaker resume and the pre-authentication limits', () => {
  it('holds a resuming client to the byte budget only until it is authenticated: replay and traffic after are free', async () => {
    const s = await start({ gmPreAuthMaxBytes: 2048 });
    const proxy = await proxyTo(s.gm!.port);
    const a = ws(s.http.port, await login(s));
    await a.connect('', false);
    const channelId = await joinRoom(a);
    const token = await GmRealtimeClient.token(s.baseUrl);
    const gm = await gmTcp(proxy.port);
    await gm.authenticate(token, { resumable: true });
    const first = (await gm.waitFor((e) => 'session_resume' in e)).session_resume as Envelope;
    await gm.request('channel_join', ROOM);
    proxy.cut();
    await gm.ended;
    await held(s, 1);
    // While held: several times the budget.
    const N = 40;
    const pad = 'x'.repeat(200);
    const traffic = async (from: number, to: number) => {
      for (let seq = from; seq < to; seq++)
        await a.request('channel_message_send', {
          channel_id: channelId,
          content: JSON.stringify({ seq, pad }),
        });
    };
    await traffic(0, N);
    const seen = gm.received.filter((e) => !isControl(e));

    const gm2 = await gmTcp(s.gm!.port);
    await gm2.authenticate(token, { resume_token: String(first.token), resume_seq: seen.length });
    const resumed = (await gm2.waitFor((e) => 'session_resume' in e)).session_resume as Envelope;
    expect(resumed).toMatchObject({ resumed: true, replayed: N });
    await gm2.waitFor(() => sequence(gm2.received, chatSeq).length === N, 'the replay');
    // Past the budget now (inbound): still open, answered.
    const big = JSON.stringify({ seq: -1, pad: 'y'.repeat(3000) });
    const sent = await gm2.request('channel_message_send', { channel_id: channelId, content: big });
    expect(sent.channel_message_ack).toBeDefined();
    await gm2.waitFor(() => sequence(gm2.received, chatSeq).includes(-1), 'its own message');
    expect(sequence(gm2.received, chatSeq)).toEqual([...range(N), -1]);
    expect(s.realtime.lifecycle.size).toBe(2);
  });
});

describe('held sessions in /metrics', () => {
  it('counts a held session apart from the carriers: tether_sessions drops, tether_sessions_held rises', async () => {
    const s = await start();
    const scrape = async () => parsePrometheusText(await (await fetch(`${consoleUrl(s)}/metrics`)).text());
    const proxy = await proxyTo(s.http.port);
    const b = ws(proxy.port, await login(s));
    await b.connect('&resumable=true');
    let m = await scrape();
    expect(sampleValue(m, 'tether_sessions', { carrier: 'ws' })).toBe(1);
    expect(sampleValue(m, 'tether_sessions_held', {})).toBe(0);
    proxy.cut();
    await b.closed;
    await held(s, 1);
    m = await scrape();
    expect(sampleValue(m, 'tether_sessions', { carrier: 'ws' })).toBe(0);
    expect(sampleValue(m, 'tether_sessions_held', {})).toBe(1);
    await b.resumeWith();
    m = await scrape();
    expect(sampleValue(m, 'tether_sessions', { carrier: 'ws' })).toBe(1);
    expect(sampleValue(m, 'tether_sessions_held', {})).toBe(0);
  });
});

describe('tether serve on SIGTERM with a held session', () => {
  let cli: ServingCli | undefined;
  let dir: string | undefined;
  afterEach(() => {
    cli?.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
    cli = dir = undefined;
  });

  it('releases it and exits 0 without waiting out its hour of grace', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-seam-'));
    cli = await startCli([
      ...['--host', '127.0.0.1', '--port', '0', '--gm-port', '0', '--data', dir],
      ...['--session-resume-grace-sec', '3600', '--log-level', 'debug'],
    ]);
    const base = `http://127.0.0.1:${cli.httpPort}`;
    const proxy = await proxyTo(cli.httpPort);
    const b = ws(proxy.port, (await deviceLogin(base, `seam-${Math.random().toString(36).slice(2)}`)).token);
    await b.connect('&resumable=true');
    await b.request('channel_join', ROOM);
    proxy.cut();
    await b.closed;
    const heldLine = () => cli!.lines.some((l) => l.msg === 'realtime session held for resume');
    while (!heldLine()) await new Promise((r) => setTimeout(r, 10));
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.lines.some((l) => l.msg === 'realtime session closed')).toBe(true);
  });
});
