/**
 * Session resume (Tether extension, docs/protocol.md): a resumable session whose connection is cut
 * is held with its presences, without a leave, and its client gets it back with what it missed.
 * Connections go through a proxy on loopback that resets them under traffic.
 */
import { Client } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import './realtime-helpers.ts';
import { CutProxy, type Envelope, isControl, ResumingWs, range, sequence } from './resume-helpers.ts';

let server: TestServer | undefined;
const proxies: CutProxy[] = [];
const sockets: ResumingWs[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) {
    s.close();
    await Promise.race([s.closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }
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

/** A new user's `/ws` client on `port` (the server's, or a proxy's). */
async function user(s: TestServer, port: number): Promise<ResumingWs> {
  const { token } = await deviceLogin(s.baseUrl, `resume-${Math.random().toString(36).slice(2, 14)}`);
  const ws = new ResumingWs(port, token);
  sockets.push(ws);
  return ws;
}

const ROOM = { target: 'resume-room', type: 1, persistence: false, hidden: false };

async function joinRoom(ws: ResumingWs): Promise<string> {
  const reply = await ws.request('channel_join', ROOM);
  return (reply.channel as { id: string }).id;
}

/** Presence events in `log` that announce `sessionId` leaving. */
function leavesOf(log: readonly Envelope[], sessionId: string): Envelope[] {
  return log.filter((e) => {
    const body = (e.channel_presence_event ?? e.match_presence_event ?? e.stream_presence_event) as
      | { leaves?: { session_id: string }[] }
      | undefined;
    return body?.leaves?.some((p) => p.session_id === sessionId) === true;
  });
}

const chatSeq = (e: Envelope) => {
  const m = e.channel_message as { content: string } | undefined;
  return m ? (JSON.parse(m.content) as { seq: number }).seq : undefined;
};
const dataSeq = (e: Envelope) => {
  const m = e.match_data as { data: string } | undefined;
  return m ? (JSON.parse(Buffer.from(m.data, 'base64').toString()) as { seq: number }).seq : undefined;
};

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

/** `tether_sessions{carrier="held"}` from `/metrics`. */
async function heldGauge(s: TestServer): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${s.console.port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('tether_sessions{carrier="held"}'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('session resume on /ws', () => {
  it('gives a session cut under traffic back: every push once, in order, and no leave seen', async () => {
    // The sender sends faster than the default rate limit allows.
    const s = await start({ socketRatePerSecond: 100_000, socketRateBurst: 100_000 });
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    const b = await user(s, proxy.port);
    await b.connect('&resumable=true');
    const first = b.resume;
    expect(first).toMatchObject({ resumed: false, grace_sec: 15 });
    expect(String(first.token)).toMatch(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]{32}$/);

    const channelId = await joinRoom(a);
    await joinRoom(b);
    const match = (await a.request('match_create', {})).match as { match_id: string };
    await b.request('match_join', { match_id: match.match_id });

    const N = 300;
    const traffic = (async () => {
      for (let seq = 0; seq < N; seq++) {
        const data = Buffer.from(JSON.stringify({ seq })).toString('base64');
        a.send({ match_data_send: { match_id: match.match_id, op_code: 1, data } });
        await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq }) });
      }
    })();
    await b.until(() => (sequence(b.log, chatSeq).length >= N / 3 ? true : undefined), 'a third of the chat');
    proxy.cut();
    await b.closed;
    await held(s, 1);
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: true, session_id: first.session_id, token: first.token });
    expect(b.resume.replayed).toBeGreaterThan(0);
    await traffic;
    await b.until(
      () => (sequence(b.log, chatSeq).length >= N && sequence(b.log, dataSeq).length >= N ? true : undefined),
      'every message',
    );

    expect(sequence(b.log, chatSeq)).toEqual(range(N));
    expect(sequence(b.log, dataSeq)).toEqual(range(N));
    expect(leavesOf(a.log, String(first.session_id))).toEqual([]);
    expect(s.realtime.lifecycle.held).toBe(0);
    // Still a member of both: one more message reaches it, and its own sends go out.
    await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: N }) });
    await b.until(() => (sequence(b.log, chatSeq).includes(N) ? true : undefined), 'a message after resume');
    await b.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: -1 }) });
    await a.until(() => (sequence(a.log, chatSeq).includes(-1) ? true : undefined), 'a message from b');
  });

  it('sends the leaves when the grace period ends, and then refuses the token as expired', async () => {
    const s = await start({ sessionResumeGraceSec: 1 });
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    const b = await user(s, proxy.port);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    await joinRoom(a);
    await joinRoom(b);
    proxy.cut();
    await held(s, 1);
    expect(leavesOf(a.log, sessionId)).toEqual([]);
    expect(await heldGauge(s)).toBe(1);
    // Still registered (deliveries reach it), shown as held.
    const heldSession = s.realtime.sessions.get(sessionId)!;
    expect(s.realtime.lifecycle.carrierOf(heldSession)).toBe('held');
    await a.until(() => (leavesOf(a.log, sessionId).length > 0 ? true : undefined), 'the leave');
    expect(s.realtime.lifecycle.held).toBe(0);
    expect(await heldGauge(s)).toBe(0);
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: false, reason: 'expired' });
    expect(b.resume.session_id).not.toBe(sessionId);
  });

  it('releases the session with leaves when its buffer overflows and says so on resume', async () => {
    const s = await start({ sessionResumeGraceSec: 600, sessionResumeBufferMessages: 10 });
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    const b = await user(s, proxy.port);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    const channelId = await joinRoom(a);
    await joinRoom(b);
    proxy.cut();
    await held(s, 1);
    for (let seq = 0; seq < 15; seq++)
      await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq }) });
    await a.until(() => (leavesOf(a.log, sessionId).length > 0 ? true : undefined), 'the leave');
    expect(s.realtime.lifecycle.held).toBe(0);
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: false, reason: 'overflow' });
    expect(b.resume.session_id).not.toBe(sessionId);
    // A fresh session: not in the room any more.
    await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: 99 }) });
    await b.request('rpc', { id: 'nope' }).catch(() => undefined);
    expect(sequence(b.log, chatSeq).includes(99)).toBe(false);
  });

  it('is refused for a token of another user, a malformed token and a resume_seq beyond what was sent', async () => {
    const s = await start();
    const b = await user(s, s.http.port);
    await b.connect('&resumable=true');
    const c = await user(s, s.http.port);
    await c.connect(`&resume=${encodeURIComponent(String(b.resume.token))}&resume_seq=0`);
    expect(c.resume).toMatchObject({ resumed: false, reason: 'invalid' });
    const d = await user(s, s.http.port);
    await d.connect('&resume=not-a-token&resume_seq=0');
    expect(d.resume).toMatchObject({ resumed: false, reason: 'invalid' });
    await expect(d.connect('&resume=x.y')).rejects.toThrow('HTTP 400');
    // Beyond what was sent: the client cannot have it; the held session is released.
    const proxy = await proxyTo(s.http.port);
    const e = await user(s, proxy.port);
    await e.connect('&resumable=true');
    const token = String(e.resume.token);
    proxy.cut();
    await held(s, 1);
    await e.connect(`&resume=${encodeURIComponent(token)}&resume_seq=5`);
    expect(e.resume).toMatchObject({ resumed: false, reason: 'invalid' });
    expect(s.realtime.lifecycle.held).toBe(0);
  });

  it('does not hold a session its client closed, nor one that did not ask to be resumable', async () => {
    const s = await start();
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    await joinRoom(a);

    const clean = await user(s, proxy.port);
    await clean.connect('&resumable=true');
    const cleanId = String(clean.resume.session_id);
    await joinRoom(clean);
    clean.close(1000);
    await a.until(() => (leavesOf(a.log, cleanId).length > 0 ? true : undefined), 'the clean leave');
    expect(s.realtime.lifecycle.held).toBe(0);

    // A plain client (no `resumable`) gets no session_resume and is cleaned up at once when cut.
    const plain = await user(s, proxy.port);
    await plain.connect('', false);
    const joined = (await plain.request('channel_join', ROOM)).channel as { self: { session_id: string } };
    expect(plain.controls).toEqual([]);
    const plainId = joined.self.session_id;
    proxy.cut();
    await a.until(() => (leavesOf(a.log, plainId).length > 0 ? true : undefined), 'the plain leave');
    expect(s.realtime.lifecycle.held).toBe(0);
  });

  it('leaves plain nakama-js as it was: no extension message, leave at once on a cut', async () => {
    const s = await start();
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    await joinRoom(a);
    const client = new Client('defaultkey', '127.0.0.1', String(proxy.port), false);
    const session = await client.authenticateDevice(`nk-${Math.random().toString(36).slice(2, 12)}`, true);
    const socket = client.createSocket(false, false);
    const unknown: unknown[] = [];
    const disconnected = new Promise((resolve) => {
      socket.ondisconnect = resolve;
    });
    socket.onerror = (e) => unknown.push(e);
    await socket.connect(session, true);
    const channel = await socket.joinChat(ROOM.target, 1, false, false);
    expect(channel.self.session_id).toBeTruthy();
    proxy.cut();
    await disconnected;
    await a.until(
      () => (leavesOf(a.log, channel.self.session_id).length > 0 ? true : undefined),
      'the nakama-js leave',
    );
    expect(s.realtime.lifecycle.held).toBe(0);
    expect(unknown).toEqual([]);
  });

  it('holds a session whose connection went silent (heartbeat timeout), and resumes it', async () => {
    const s = await start({ socketPingPeriodMs: 50, socketPongWaitMs: 300 });
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    const channelId = await joinRoom(a);
    const b = await user(s, proxy.port);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    await joinRoom(b);
    proxy.freeze();
    await held(s, 1);
    await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: 0 }) });
    proxy.restore();
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: true, session_id: sessionId });
    await b.until(() => (sequence(b.log, chatSeq).includes(0) ? true : undefined), 'the message');
    expect(leavesOf(a.log, sessionId)).toEqual([]);
  });

  it('takes a session over from a connection the server still thinks alive', async () => {
    const s = await start();
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    const channelId = await joinRoom(a);
    const b = await user(s, proxy.port);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    await joinRoom(b);
    proxy.freeze();
    // Sent into the frozen connection: written by the server, never received by the client.
    await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: 0 }) });
    expect(s.realtime.lifecycle.held).toBe(0);
    const again = new ResumingWs(s.http.port, b.token);
    sockets.push(again);
    again.log.push(...b.log);
    await again.connect(`&resume=${encodeURIComponent(String(b.resume.token))}&resume_seq=${b.log.length}`);
    expect(again.resume).toMatchObject({ resumed: true, session_id: sessionId, replayed: 1 });
    await again.until(() => (sequence(again.log, chatSeq).includes(0) ? true : undefined), 'the message');
    await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq: 1 }) });
    await again.until(() => (sequence(again.log, chatSeq).includes(1) ? true : undefined), 'the next one');
    expect(sequence(again.log, chatSeq)).toEqual([0, 1]);
    expect(leavesOf(a.log, sessionId)).toEqual([]);
  });

  it('keeps parties, status and matchmaker tickets of a held session: no leave, the ticket still matches', async () => {
    const s = await start({ matchmakerIntervalMs: 3_600_000 });
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    const b = await user(s, proxy.port);
    await b.connect('&resumable=true&status=true');
    const sessionId = String(b.resume.session_id);
    // b leads an open party that a joins; a follows b's status; b waits in the matchmaker.
    const party = (await b.request('party_create', { open: true, max_size: 4 })).party as {
      party_id: string;
      self: { user_id: string };
    };
    await a.request('party_join', { party_id: party.party_id });
    await a.request('status_follow', { user_ids: [party.self.user_id] });
    const t = `resume-${Math.random().toString(36).slice(2, 10)}`;
    const add = { min_count: 2, max_count: 2, query: `+properties.t:${t}`, string_properties: { t } };
    await b.request('matchmaker_add', add);

    proxy.cut();
    await held(s, 1);
    await a.request('matchmaker_add', add);
    await s.matchmaker.matchmaker.process();
    await a.until(() => a.log.find((e) => 'matchmaker_matched' in e), 'a matched with the held session');
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: true, session_id: sessionId });
    await b.until(() => b.log.find((e) => 'matchmaker_matched' in e), 'the match, replayed');
    // Still the party's leader: a's party data reaches it.
    a.send({ party_data_send: { party_id: party.party_id, op_code: 7, data: 'aGk=' } });
    await b.until(() => b.log.find((e) => 'party_data' in e), 'party data after the resume');
    const anyLeave = a.log.filter((e) => {
      const body = (e.party_presence_event ?? e.status_presence_event) as
        | { leaves?: { session_id: string }[] }
        | undefined;
      return body?.leaves?.some((p) => p.session_id === sessionId) === true;
    });
    expect(anyLeave).toEqual([]);
    expect(a.log.some((e) => 'party_leader' in e)).toBe(false);
  });

  it('holds at most sessionResumeMaxHeldPerUser sessions of a user: one more releases the oldest', async () => {
    const s = await start({ sessionResumeMaxHeldPerUser: 2 });
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    await joinRoom(a);
    const first = await user(s, proxy.port);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const b = i === 0 ? first : new ResumingWs(proxy.port, first.token);
      if (i > 0) sockets.push(b);
      await b.connect('&resumable=true');
      ids.push(String(b.resume.session_id));
      await joinRoom(b);
      proxy.cut();
      await held(s, Math.min(i + 1, 2));
    }
    await a.until(() => (leavesOf(a.log, ids[0]!).length > 0 ? true : undefined), 'the oldest leave');
    expect(s.realtime.lifecycle.held).toBe(2);
    expect(leavesOf(a.log, ids[1]!)).toEqual([]);
    expect(leavesOf(a.log, ids[2]!)).toEqual([]);
  });

  it('releases a held session on logout (revocation) with its leaves', async () => {
    const s = await start();
    const proxy = await proxyTo(s.http.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    await joinRoom(a);
    const b = await user(s, proxy.port);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    await joinRoom(b);
    proxy.cut();
    await held(s, 1);
    const res = await fetch(`${s.baseUrl}/v2/session/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${b.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ token: b.token }),
    });
    expect(res.status).toBe(200);
    await a.until(() => (leavesOf(a.log, sessionId).length > 0 ? true : undefined), 'the leave');
    expect(s.realtime.lifecycle.held).toBe(0);
  });
});

describe('session resume on the GameMaker carriers', () => {
  it('resumes a GameMaker TCP session cut under traffic through its authenticate envelope', async () => {
    const s = await start({ socketRatePerSecond: 100_000, socketRateBurst: 100_000 });
    const proxy = await proxyTo(s.gm!.port);
    const a = await user(s, s.http.port);
    await a.connect('', false);
    const channelId = await joinRoom(a);

    const token = await GmRealtimeClient.token(s.baseUrl);
    const gm1 = await GmRealtimeClient.tcp(proxy.port);
    const info = await gm1.authenticate(token, { resumable: true });
    const resume1 = (await gm1.waitFor((e) => 'session_resume' in e, 'session_resume'))
      .session_resume as Envelope;
    expect(resume1).toMatchObject({ session_id: info.session_id, resumed: false });
    await gm1.request('channel_join', ROOM);

    const N = 120;
    const traffic = (async () => {
      for (let seq = 0; seq < N; seq++)
        await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq }) });
    })();
    await gm1.waitFor(() => sequence(gm1.received, chatSeq).length >= N / 3, 'a third of the chat');
    proxy.cut();
    await gm1.ended;
    await held(s, 1);
    const seen = gm1.received.filter((e) => !isControl(e));

    const gm2 = await GmRealtimeClient.tcp(proxy.port);
    const again = await gm2.authenticate(token, {
      resume_token: String(resume1.token),
      resume_seq: seen.length,
    });
    expect(again.session_id).toBe(info.session_id);
    const resume2 = (await gm2.waitFor((e) => 'session_resume' in e, 'session_resume'))
      .session_resume as Envelope;
    expect(resume2).toMatchObject({ resumed: true, session_id: info.session_id });
    await traffic;
    await gm2.waitFor(() => sequence([...seen, ...gm2.received], chatSeq).length >= N, 'every message');
    expect(sequence([...seen, ...gm2.received], chatSeq)).toEqual(range(N));
    expect(leavesOf(a.log, String(info.session_id))).toEqual([]);
    gm2.destroy();
  });
});
