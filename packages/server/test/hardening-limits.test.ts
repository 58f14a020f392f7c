/**
 * Hardening of admission and limits (issue 14, items 1, 2 and 6), each reproduced as an attack
 * first: a flood read as fast as it is answered, one address holding every GameMaker slot, and
 * never-authenticating connections that make the server buffer large partial packets.
 */
import { describe, expect, it } from 'vitest';
import { RawSocket, serverPerTest } from './realtime-helpers.ts';

describe('a client that floods while reading', () => {
  const { raws, start } = serverPerTest();

  async function flooder(): Promise<RawSocket> {
    const s = await start();
    const socket = await RawSocket.login(s);
    raws.push(socket);
    return socket;
  }

  it('is closed by the rate limit when it sends a burst far over it (not as a slow consumer)', async () => {
    const a = await flooder();
    for (let i = 1; i <= 5000; i++) a.send({ cid: String(i), ping: {} });
    expect(await a.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    // It was answered until then: pongs, then rate-limit errors with their cids.
    expect(a.received[0]).toEqual({ cid: '1', pong: {} });
    expect(a.received.some((e) => (e.error as { code?: number } | undefined)?.code === 3)).toBe(true);
  });

  it('is closed by the rate limit when it floods steadily above it', async () => {
    const a = await flooder();
    let cid = 0;
    // 100 messages every 10 ms (10,000/s against 200/s): a token refills between two batches.
    const timer = setInterval(() => {
      for (let k = 0; k < 100; k++) a.send({ cid: String(++cid), ping: {} });
    }, 10);
    try {
      expect(await a.closed).toEqual({ code: 1008, reason: 'rate limit exceeded' });
    } finally {
      clearInterval(timer);
    }
  });
});
