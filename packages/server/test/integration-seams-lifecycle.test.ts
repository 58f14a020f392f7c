/**
 * Seams between features built apart (2/2): held sessions at shutdown (in process and on SIGTERM),
 * at revocation, and GameMaker resume against the pre-authentication limits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ServingCli, startCli } from './cli-process.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import './realtime-helpers.ts';
import { type Envelope, isControl, range, sequence } from './resume-helpers.ts';
import {
  chat,
  chatSeq,
  gmTcp,
  held,
  joinRoom,
  login,
  proxyTo,
  ROOM,
  start,
  useSeamBed,
  ws,
} from './seam-helpers.ts';

useSeamBed();

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

describe('a held session with a full buffer, replaced by single_socket', () => {
  it('is released as replaced, not as an overflow: its resume is told expired', async () => {
    const s = await start({ sessionResumeBufferMessages: 3 });
    const proxy = await proxyTo(s.http.port);
    const a = ws(s.http.port, await login(s));
    await a.connect('', false);
    const channelId = await joinRoom(a);
    const device = `seam-${Math.random().toString(36).slice(2, 14)}`;
    const b = ws(proxy.port, (await deviceLogin(s.baseUrl, device)).token);
    await b.connect('&resumable=true');
    await joinRoom(b);
    proxy.cut();
    await b.closed;
    await held(s, 1);
    // Exactly what the buffer keeps, all unreceived: one more message would overflow it.
    await chat(a, channelId, [0, 1, 2]);
    const again = ws(s.http.port, (await deviceLogin(s.baseUrl, device)).token);
    await again.connect('&single_socket=true', false);
    expect(s.realtime.lifecycle.held).toBe(0);
    const resuming = ws(s.http.port, (await deviceLogin(s.baseUrl, device)).token);
    resuming.controls.push(...b.controls);
    await resuming.resumeWith();
    expect(resuming.resume).toMatchObject({ resumed: false, reason: 'expired' });
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
