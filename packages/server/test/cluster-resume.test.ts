/**
 * Session resume in cluster mode: a held session on n2 keeps receiving what other nodes send to it
 * and is resumed on n2 with nothing lost and no leave; a client that comes back on another node gets
 * a fresh session (`expired`), and that node has n2 release the held one at once, with its leaves.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ClusterBed, clusterAvailable } from './cluster-helpers.ts';
import type { TestServer } from './helpers.ts';
import { deviceLogin } from './http-client.ts';
import { CutProxy, type Envelope, ResumingWs, range, sequence } from './resume-helpers.ts';

const available = await clusterAvailable('cluster-resume');
// A long grace period: a leave seen within a test's wait can only come from the early release.
const bed = new ClusterBed({ sessionResumeGraceSec: 600 });
let n1: TestServer;
let n2: TestServer;
const proxies: CutProxy[] = [];
const sockets: ResumingWs[] = [];

beforeAll(async () => {
  if (!available) return;
  [n1, n2] = (await bed.start('n1', 'n2')) as [TestServer, TestServer];
}, 60_000);
afterEach(async () => {
  for (const s of sockets.splice(0)) {
    s.close();
    await Promise.race([s.closed, new Promise((resolve) => setTimeout(resolve, 2000))]);
  }
  for (const p of proxies.splice(0)) await p.close();
});
afterAll(() => bed.stop(), 60_000);

async function user(on: TestServer, port: number): Promise<ResumingWs> {
  const { token } = await deviceLogin(on.baseUrl, `cr-${Math.random().toString(36).slice(2, 14)}`);
  const ws = new ResumingWs(port, token);
  sockets.push(ws);
  return ws;
}

const room = (target: string) => ({ target, type: 1, persistence: false, hidden: false });
const chatSeq = (e: Envelope) => {
  const m = e.channel_message as { content: string } | undefined;
  return m ? (JSON.parse(m.content) as { seq: number }).seq : undefined;
};
function leavesOf(log: readonly Envelope[], sessionId: string): number {
  return log.filter((e) =>
    ((e.channel_presence_event as { leaves?: { session_id: string }[] } | undefined)?.leaves ?? []).some(
      (p) => p.session_id === sessionId,
    ),
  ).length;
}
async function heldOn(node: TestServer, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (node.realtime.lifecycle.held !== n) {
    if (Date.now() > deadline) throw new Error(`node never held ${n}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe.runIf(available)('session resume in a cluster', () => {
  it('resumes on the same node what another node sent meanwhile, with no leave', async () => {
    const proxy = await CutProxy.start(n2.http.port);
    proxies.push(proxy);
    const a = await user(n1, n1.http.port);
    await a.connect('', false);
    const b = await user(n2, proxy.port);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    const channelId = ((await a.request('channel_join', room('cr-same'))).channel as { id: string }).id;
    await b.request('channel_join', room('cr-same'));
    const joinedB = (e: Envelope) =>
      ((e.channel_presence_event as { joins?: { session_id: string }[] } | undefined)?.joins ?? []).some(
        (p) => p.session_id === sessionId,
      );
    // n1 learns of b's membership through the bus: wait for it before sending.
    await a.until(() => (a.log.some(joinedB) ? true : undefined), 'b joined, seen on n1');

    const N = 60;
    for (let seq = 0; seq < N; seq++) {
      await a.request('channel_message_send', { channel_id: channelId, content: JSON.stringify({ seq }) });
      if (seq === 20) {
        proxy.cut();
        await heldOn(n2, 1);
      }
    }
    await b.resumeWith();
    expect(b.resume).toMatchObject({ resumed: true, session_id: sessionId });
    await b.until(() => (sequence(b.log, chatSeq).length >= N ? true : undefined), 'every message');
    expect(sequence(b.log, chatSeq)).toEqual(range(N));
    expect(leavesOf(a.log, sessionId)).toBe(0);
  });

  it('gives a fresh session on another node, which has the holding node release the old one at once', async () => {
    const proxy = await CutProxy.start(n2.http.port);
    proxies.push(proxy);
    const a = await user(n1, n1.http.port);
    await a.connect('', false);
    const b = await user(n2, proxy.port);
    await b.connect('&resumable=true');
    const sessionId = String(b.resume.session_id);
    await a.request('channel_join', room('cr-other'));
    await b.request('channel_join', room('cr-other'));
    proxy.cut();
    await heldOn(n2, 1);
    // Back through n1: that node does not hold the session.
    const elsewhere = new ResumingWs(n1.http.port, b.token);
    sockets.push(elsewhere);
    await elsewhere.connect(
      `&resume=${encodeURIComponent(String(b.resume.token))}&resume_seq=${b.log.length}`,
    );
    expect(elsewhere.resume).toMatchObject({ resumed: false, reason: 'expired' });
    expect(elsewhere.resume.session_id).not.toBe(sessionId);
    await a.until(
      () => (leavesOf(a.log, sessionId) > 0 ? true : undefined),
      'the leave after the grace period',
    );
    expect(n2.realtime.lifecycle.held).toBe(0);
  });
});
