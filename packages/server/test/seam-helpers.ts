/**
 * The test bed of the integration seam tests (integration-seams*.test.ts): a server, cutting proxies
 * and clients that are all closed after each test, and small helpers over the resume extension.
 */
import { afterEach } from 'vitest';
import type { TetherConfig } from '../src/config/config.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import { CutProxy, type Envelope, ResumingWs, sequence } from './resume-helpers.ts';

/** Registers the clean-up of everything the helpers below start (call once per test file). */
export function useSeamBed(): void {
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.close();
    for (const g of gms.splice(0)) g.destroy();
    for (const p of proxies.splice(0)) await p.close();
    await server?.stop();
    server = undefined;
  });
}

let server: TestServer | undefined;
const proxies: CutProxy[] = [];
const sockets: ResumingWs[] = [];
const gms: GmRealtimeClient[] = [];

export async function start(overrides: Partial<TetherConfig> = {}): Promise<TestServer> {
  server = await startTestServer(overrides);
  return server;
}

export async function proxyTo(port: number): Promise<CutProxy> {
  const proxy = await CutProxy.start(port);
  proxies.push(proxy);
  return proxy;
}

export async function login(s: TestServer): Promise<string> {
  return (await deviceLogin(s.baseUrl, `seam-${Math.random().toString(36).slice(2, 14)}`)).token;
}

export function ws(port: number, token: string): ResumingWs {
  const client = new ResumingWs(port, token);
  sockets.push(client);
  return client;
}

export async function gmTcp(port: number): Promise<GmRealtimeClient> {
  const client = await GmRealtimeClient.tcp(port);
  gms.push(client);
  return client;
}

export const ROOM = { target: 'seam-room', type: 1, persistence: false, hidden: false };

export async function joinRoom(client: ResumingWs): Promise<string> {
  const reply = await client.request('channel_join', ROOM);
  return (reply.channel as { id: string }).id;
}

export const chatSeq = (e: Envelope) => {
  const m = e.channel_message as { content: string } | undefined;
  return m ? (JSON.parse(m.content) as { seq: number }).seq : undefined;
};

/** Presence events in `log` that announce `sessionId` leaving. */
export function leavesOf(log: readonly Envelope[], sessionId: string): Envelope[] {
  return log.filter((e) => {
    const body = e.channel_presence_event as { leaves?: { session_id: string }[] } | undefined;
    return body?.leaves?.some((p) => p.session_id === sessionId) === true;
  });
}

/** Waits until the server holds `n` sessions for a resume. */
export function held(s: TestServer, n: number): Promise<true> {
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

export async function chat(from: ResumingWs, channelId: string, seqs: readonly number[]): Promise<void> {
  for (const seq of seqs)
    await from.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq }) });
}

/**
 * The break both resume seams share: `a` says 0 and 1 in the room, `b` (through `proxy`) gets both,
 * the proxy cuts `b`'s connection, the server holds its session, and `a` says 2 and 3 meanwhile.
 */
export async function breakAfterTwo(
  s: TestServer,
  proxy: CutProxy,
  a: ResumingWs,
  b: ResumingWs,
  channelId: string,
): Promise<void> {
  await chat(a, channelId, [0, 1]);
  await b.until(() => (sequence(b.log, chatSeq).length === 2 ? true : undefined), 'two messages');
  proxy.cut();
  await b.closed;
  await held(s, 1);
  await chat(a, channelId, [2, 3]);
}
