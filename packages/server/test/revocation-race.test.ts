/**
 * A revocation (logout, ban, deletion) that lands while a socket's token check is in flight: its
 * "close every socket of this session/user" step runs before the session exists, so the session must
 * be closed when it opens, with the code the revocation would have used.
 *
 * The window is between the revocation lookup's database snapshot and the session opening. It cannot
 * be held open from outside without stubs: a PostgreSQL table lock (`LOCK TABLE revoked_users IN
 * ACCESS EXCLUSIVE MODE`) blocks the lookup *before* it takes its snapshot, so once released it sees
 * the committed logout and refuses the token (checked by hand against PostgreSQL). So:
 *
 * - the session lifecycle is driven in the order the race produces — the check's revocation mark is
 *   taken, the logout/ban/deletion runs through the real HTTP API and runtime, then the session opens
 *   on a real WebSocket connection — on a real server and every backend;
 * - the record's bounds and "unknown" policy are tested on the real class with a manual clock;
 * - a sweep on the real `/ws` endpoint races connects against logouts and checks that no socket opened
 *   with a logged-out token stays open (it may or may not hit the window on a given run).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, CloseReason } from '@tether/protocol';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ManualClock } from '../src/shared/clock.ts';
import { RecentRevocations } from '../src/socket/recent-revocations.ts';
import type { SessionOpenOptions } from '../src/socket/session-lifecycle.ts';
import { WsAcceptor } from '../src/transport/ws.ts';
import { type TestStore, testBackends } from './backends.ts';
import type { TestServer } from './helpers.ts';
import { bearer, call, claimsOf, deviceLogin } from './http-client.ts';

const backends = await testBackends('revocation race');

/** How a WebSocket ended: close code, reason, and the messages it got before. */
interface Ended {
  code: number;
  reason: string;
  messages: string[];
}

function ended(ws: WebSocket): Promise<Ended> {
  const messages: string[] = [];
  ws.on('message', (data) => messages.push(String(data)));
  return new Promise((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: String(reason), messages })),
  );
}

/**
 * A side door onto `server`'s real session lifecycle: an HTTP server whose upgrades are accepted by
 * the real WebSocket transport and opened as sessions of `token` with the given options, exactly as
 * the `/ws` endpoint does after its token check.
 */
async function sideDoor(server: TestServer): Promise<{
  open(token: string, options: Partial<SessionOpenOptions>): WebSocket;
  close(): Promise<void>;
}> {
  let next: { token: string; options: Partial<SessionOpenOptions> } | undefined;
  const acceptor = new WsAcceptor({
    logger: pino({ level: 'silent' }),
    maxPayload: 1 << 20,
    textFrames: true,
    onConnection: (connection) => {
      const { token, options } = next!;
      const c = claimsOf(token) as { uid: string; usn: string; tid: string; exp: number };
      server.realtime.lifecycle.open(
        connection,
        { userId: c.uid, username: c.usn, tokenId: c.tid, expiresAt: c.exp, vars: {}, lang: 'en' },
        { format: 'json-text', appearOnline: false, singleSocket: false, ...options },
      );
    },
  });
  const http: Server = createServer();
  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
    acceptor.handleUpgrade(req, socket, head),
  );
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    open(token, options) {
      next = { token, options };
      return new WebSocket(`ws://127.0.0.1:${port}/`);
    },
    async close() {
      acceptor.close();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

describe.each(backends)('revocation during a token check on $name', (backend) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  let door: Awaited<ReturnType<typeof sideDoor>> | undefined;
  afterEach(async () => {
    await door?.close();
    await server?.stop();
    await store?.dispose();
    server = store = door = undefined;
  });

  async function start(): Promise<{ base: string; door: NonNullable<typeof door> }> {
    store = backend.newStore();
    server = await store.start();
    door = await sideDoor(server);
    return { base: server.baseUrl, door };
  }
  const issuedAt = (token: string) => claimsOf(token).iat as number;
  const userIdOf = (token: string) => claimsOf(token).uid as string;

  it('closes with 4002 a session whose check began before its logout', async () => {
    const { base, door } = await start();
    const s = await deviceLogin(base, `race-logout-${Date.now()}`);
    const mark = server!.realtime.lifecycle.revocationMark();
    const out = await call(base, 'POST', '/v2/session/logout', {
      auth: bearer(s.token),
      body: { token: s.token, refresh_token: s.refreshToken },
    });
    expect(out.status).toBe(200);
    const end = await ended(door.open(s.token, { checked: { mark, issuedAt: issuedAt(s.token) } }));
    expect(end).toMatchObject({ code: CloseCode.SESSION_REVOKED, reason: CloseReason.LOGGED_OUT });
    expect(server!.realtime.sessions.byUser(userIdOf(s.token))).toHaveLength(0);
  });

  it('closes with 4002 "everywhere", 4004 after a banned notice, 4005 on deletion', async () => {
    const { base, door } = await start();
    const id = `race-user-${Date.now()}`;
    const a = await deviceLogin(base, id);
    let mark = server!.realtime.lifecycle.revocationMark();
    await call(base, 'POST', '/v2/session/logout', { auth: bearer(a.token), body: {} });
    let end = await ended(door.open(a.token, { checked: { mark, issuedAt: issuedAt(a.token) } }));
    expect(end).toMatchObject({ code: CloseCode.SESSION_REVOKED, reason: CloseReason.LOGGED_OUT_EVERYWHERE });

    const b = await deviceLogin(base, `${id}-ban`);
    mark = server!.realtime.lifecycle.revocationMark();
    await server!.runtime.nk.usersBanId([userIdOf(b.token)]);
    end = await ended(door.open(b.token, { checked: { mark, issuedAt: issuedAt(b.token) } }));
    expect(end).toMatchObject({ code: CloseCode.BANNED, reason: CloseReason.BANNED });
    expect(end.messages.join('')).toContain('"subject":"banned"');

    const c = await deviceLogin(base, `${id}-delete`);
    mark = server!.realtime.lifecycle.revocationMark();
    expect((await call(base, 'DELETE', '/v2/account', { auth: bearer(c.token) })).status).toBe(200);
    end = await ended(door.open(c.token, { checked: { mark, issuedAt: issuedAt(c.token) } }));
    expect(end).toMatchObject({ code: CloseCode.ACCOUNT_DELETED, reason: CloseReason.ACCOUNT_DELETED });
  });

  it('leaves open a session whose check began after the revocation, or that it does not cover', async () => {
    const { base, door } = await start();
    const id = `race-other-${Date.now()}`;
    const [a, b] = [await deviceLogin(base, id), await deviceLogin(base, id)];
    const early = server!.realtime.lifecycle.revocationMark();
    await call(base, 'POST', '/v2/session/logout', { auth: bearer(a.token), body: { token: a.token } });
    const late = server!.realtime.lifecycle.revocationMark();
    // b's session was not logged out; a's check (had it read storage after `late`) would have refused it.
    for (const [token, mark] of [
      [b.token, early],
      [a.token, late],
    ] as const) {
      const ws = door.open(token, { checked: { mark, issuedAt: issuedAt(token) } });
      const end = ended(ws);
      await new Promise((resolve) => ws.once('open', resolve));
      // A round trip on the session: it is open and answers.
      ws.send(JSON.stringify({ cid: '1', status_follow: { user_ids: [] } }));
      await new Promise((resolve) => ws.once('message', resolve));
      ws.close(1000);
      expect((await end).code).toBe(1000);
    }
  });

  it('closes a resume that lost the race (its held session was closed by the logout)', async () => {
    const { base, door } = await start();
    const s = await deviceLogin(base, `race-resume-${Date.now()}`);
    const first = door.open(s.token, { resumable: true });
    const resumeToken = await new Promise<string>((resolve) =>
      first.on('message', (data) => {
        const m = JSON.parse(String(data)) as { session_resume?: { token: string } };
        if (m.session_resume) resolve(m.session_resume.token);
      }),
    );
    const broken = ended(first);
    first.terminate(); // a break (1006): the session is held for a resume
    await broken;
    const mark = server!.realtime.lifecycle.revocationMark();
    await call(base, 'POST', '/v2/session/logout', { auth: bearer(s.token), body: { token: s.token } });
    const end = await ended(
      door.open(s.token, {
        resume: { token: resumeToken, seq: 0 },
        checked: { mark, issuedAt: issuedAt(s.token) },
      }),
    );
    expect(end).toMatchObject({ code: CloseCode.SESSION_REVOKED, reason: CloseReason.LOGGED_OUT });
  });

  it('never leaves open a /ws socket whose token was logged out while connecting (sweep)', async () => {
    const { base } = await start();
    const id = `race-sweep-${Date.now()}`;
    const outcomes = { refused: 0, closed: 0 };
    for (let round = 0; round < 20; round++) {
      const s = await deviceLogin(base, id);
      const ws = new WebSocket(`ws://127.0.0.1:${server!.http.port}/ws?token=${encodeURIComponent(s.token)}`);
      const outcome = new Promise<'refused' | number>((resolve) => {
        ws.once('unexpected-response', () => resolve('refused'));
        ws.once('close', (code) => resolve(code));
      });
      const out = await call(base, 'POST', '/v2/session/logout', {
        auth: bearer(s.token),
        body: { token: s.token },
      });
      expect(out.status).toBe(200);
      const result = await outcome;
      if (result === 'refused') outcomes.refused++;
      else {
        expect(result).toBe(CloseCode.SESSION_REVOKED);
        outcomes.closed++;
      }
    }
    expect(outcomes.refused + outcomes.closed).toBe(20);
  });
});

describe('RecentRevocations (the record)', () => {
  const user = 'u1';
  const token = { userId: user, tokenId: 't1', issuedAt: 1000 };

  it('answers with the first revocation recorded after the mark that covers the token', () => {
    const record = new RecentRevocations({ clock: new ManualClock(2_000_000) });
    const mark = record.mark();
    record.record({ userId: user, tokenId: 'other', cause: 'logout' });
    expect(record.revokedSince(mark, token)).toBeUndefined();
    record.record({ userId: user, tokenId: 't1', cause: 'logout' });
    expect(record.revokedSince(mark, token)).toEqual({ userId: user, tokenId: 't1', cause: 'logout' });
    expect(record.revokedSince(record.mark(), token)).toBeUndefined();
  });

  it('applies a user-wide revocation only to sessions started before it was recorded', () => {
    const clock = new ManualClock(2_000_000);
    const record = new RecentRevocations({ clock });
    const mark = record.mark();
    record.record({ userId: user, tokenId: null, cause: 'ban' });
    expect(record.revokedSince(mark, token)).toMatchObject({ cause: 'ban' });
    expect(record.revokedSince(mark, { ...token, issuedAt: 2_001 })).toBeUndefined();
    expect(record.revokedSince(mark, { ...token, userId: 'u2' })).toBeUndefined();
  });

  it('forgets after its retention and answers "unknown" to a check that began before what it forgot', () => {
    const clock = new ManualClock(2_000_000);
    const record = new RecentRevocations({ clock, retentionMs: 5_000 });
    const mark = record.mark();
    record.record({ userId: 'u2', tokenId: null, cause: 'logout' });
    clock.advance(5_001);
    expect(record.revokedSince(record.mark(), token)).toBeUndefined();
    expect(record.size).toBe(0);
    expect(record.revokedSince(mark, token)).toBe('unknown');
  });

  it('keeps at most maxEntries, dropping the oldest', () => {
    const record = new RecentRevocations({ clock: new ManualClock(2_000_000), maxEntries: 3 });
    const mark = record.mark();
    for (let i = 0; i < 10; i++) record.record({ userId: `u${i}`, tokenId: `t${i}`, cause: 'logout' });
    expect(record.size).toBe(3);
    expect(record.revokedSince(mark, token)).toBe('unknown');
    const recent = record.mark() - 3;
    expect(record.revokedSince(recent, { userId: 'u9', tokenId: 't9', issuedAt: 1 })).toMatchObject({
      tokenId: 't9',
    });
  });
});
