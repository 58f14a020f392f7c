import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Session } from '../session/session.ts';
import { TurnBatcher } from '../session/turn-batcher.ts';
import { Pipeline, type PipelineLimits } from './pipeline.ts';

const LIMITS: PipelineLimits = {
  maxMessageBytes: 256,
  ratePerSecond: 10,
  rateBurst: 3,
  maxPendingMessages: 2,
};

function harness(limits = LIMITS, maxQueuedMessages = 1000) {
  let now = 0;
  const sent: string[] = [];
  const closes: [number, string][] = [];
  const session = new Session({
    id: 's',
    identity: { userId: 'u', username: 'n', tokenId: 't', expiresAt: 0, vars: {}, lang: 'en' },
    carrier: {
      format: 'json-text',
      remoteAddress: '',
      bufferedBytes: 0,
      writeBatch: (ms) => sent.push(...ms.map((m) => m.text)),
      close: (code, reason) => closes.push([code, reason]),
    },
    limits: { maxQueuedMessages, maxBufferedBytes: 1e9 },
    onClose: () => {},
    batcher: new TurnBatcher((fn) => queueMicrotask(fn)),
  });
  const pipeline = new Pipeline({ limits, logger: pino({ level: 'silent' }), now: () => now });
  return { session, pipeline, sent, closes, advance: (ms: number) => (now += ms) };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('Pipeline', () => {
  it('replies with the cid, and answers unknown or unsupported messages with code 1', async () => {
    const h = harness({ ...LIMITS, rateBurst: 100 });
    h.pipeline.register('ping', (ctx) => ctx.reply('pong', {}));
    h.pipeline.receive(h.session, '{"cid":"1","ping":{}}');
    h.pipeline.receive(h.session, '{"cid":"2","rpc":{"id":"x"}}');
    h.pipeline.receive(h.session, '{"cid":"3","bogus":{}}');
    await settle();
    expect(h.sent[0]).toBe('{"cid":"1","pong":{}}');
    expect(JSON.parse(h.sent[1]!)).toMatchObject({ cid: '2', error: { code: 1 } });
    expect(JSON.parse(h.sent[2]!)).toMatchObject({ cid: '3', error: { code: 1 } });
  });

  it('handles one session strictly in order even when a handler is async', async () => {
    const h = harness({ ...LIMITS, rateBurst: 100, maxPendingMessages: 10 });
    const order: string[] = [];
    h.pipeline.register('status_update', async (ctx, body) => {
      await new Promise((r) => setTimeout(r, 5));
      order.push(body.status ?? '');
      ctx.replyVoid();
    });
    h.pipeline.register('ping', (ctx) => {
      order.push('ping');
      ctx.reply('pong', {});
    });
    h.pipeline.receive(h.session, '{"cid":"1","status_update":{"status":"a"}}');
    h.pipeline.receive(h.session, '{"cid":"2","ping":{}}');
    h.pipeline.receive(h.session, '{"cid":"3","status_update":{"status":"b"}}');
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['a', 'ping', 'b']);
    expect(h.sent).toEqual(['{"cid":"1"}', '{"cid":"2","pong":{}}', '{"cid":"3"}']);
  });

  it('closes a session whose messages pile up behind a slow handler', async () => {
    const h = harness({ ...LIMITS, rateBurst: 100 });
    h.pipeline.register('status_update', () => new Promise(() => {}));
    for (let i = 0; i < 4; i++) h.pipeline.receive(h.session, `{"cid":"${i}","status_update":{}}`);
    expect(h.closes[0]?.[0]).toBe(1008);
  });

  it('turns handler exceptions into code 0 without leaking internals', async () => {
    const h = harness();
    h.pipeline.register('ping', () => {
      throw new Error('database password is hunter2');
    });
    h.pipeline.receive(h.session, '{"cid":"9","ping":{}}');
    await settle();
    expect(JSON.parse(h.sent[0]!)).toEqual({
      cid: '9',
      error: { code: 0, message: 'Internal server error' },
    });
  });

  it('answers oversized messages with code 3 and closes with 1009', async () => {
    const h = harness();
    h.pipeline.receive(h.session, `{"cid":"1","ping":{},"pad":"${'x'.repeat(300)}"}`);
    await settle();
    expect(JSON.parse(h.sent[0]!).error.code).toBe(3);
    expect(h.closes[0]?.[0]).toBe(1009);
  });

  it('rate-limits with an error carrying the cid, refills over time, closes persistent floods', async () => {
    const h = harness();
    h.pipeline.register('ping', (ctx) => ctx.reply('pong', {}));
    for (let i = 1; i <= 4; i++) h.pipeline.receive(h.session, `{"cid":"${i}","ping":{}}`);
    await settle();
    expect(h.sent.slice(0, 3)).toEqual([
      '{"cid":"1","pong":{}}',
      '{"cid":"2","pong":{}}',
      '{"cid":"3","pong":{}}',
    ]);
    expect(JSON.parse(h.sent[3]!)).toMatchObject({ cid: '4', error: { code: 3 } });
    h.advance(1000);
    h.pipeline.receive(h.session, '{"cid":"5","ping":{}}');
    await settle();
    expect(h.sent[4]).toBe('{"cid":"5","pong":{}}');
    for (let i = 0; i < 20; i++) h.pipeline.receive(h.session, '{"ping":{}}');
    expect(h.closes).toEqual([[1008, 'rate limit exceeded']]);
  });

  it('forgives drops only once the bucket is full again, so a steady flood is closed for its rate', () => {
    const h = harness();
    h.pipeline.register('ping', (ctx) => ctx.reply('pong', {}));
    // 3 admitted, then a token refilled every 100 ms: one message in each gap is admitted, the rest
    // dropped. Before, each admitted message reset the count and such a flood was never closed.
    for (let i = 0; i < 3; i++) h.pipeline.receive(h.session, '{"ping":{}}');
    for (let round = 0; round < 10 && h.closes.length === 0; round++) {
      h.advance(100);
      for (let i = 0; i < 2; i++) h.pipeline.receive(h.session, '{"ping":{}}');
    }
    expect(h.closes).toEqual([[1008, 'rate limit exceeded']]);
  });

  it('closes for the rate, not as a slow consumer, when error replies would fill the outgoing queue', () => {
    const h = harness({ ...LIMITS, rateBurst: 10 }, 20);
    h.pipeline.register('ping', (ctx) => ctx.reply('pong', {}));
    // 10 pongs leave 10 slots, under the margin kept for the replies of admitted messages.
    for (let i = 0; i < 12; i++) h.pipeline.receive(h.session, '{"ping":{}}');
    expect(h.closes).toEqual([[1008, 'rate limit exceeded']]);
  });
});
