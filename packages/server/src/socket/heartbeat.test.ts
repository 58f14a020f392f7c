import { afterEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat.ts';

describe('Heartbeat', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function harness(withPing: boolean) {
    vi.useFakeTimers();
    const log: string[] = [];
    const start = Date.now();
    const heartbeat = new Heartbeat({
      pingPeriodMs: 100,
      idleTimeoutMs: 250,
      ping: withPing ? () => log.push(`ping@${Date.now() - start}`) : undefined,
      onTimeout: () => log.push(`timeout@${Date.now() - start}`),
    });
    return { heartbeat, log };
  }

  it('pings after each period of silence and times out at the idle limit', () => {
    const { log } = harness(true);
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(['ping@100', 'ping@200', 'timeout@250']);
  });

  it('sends no ping while the peer is active, and counts any sign of life', () => {
    const { heartbeat, log } = harness(true);
    for (let t = 0; t < 10; t++) {
      vi.advanceTimersByTime(90);
      heartbeat.touch();
    }
    expect(log).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(log).toEqual(['ping@1000']);
    heartbeat.touch(); // the pong
    vi.advanceTimersByTime(240);
    expect(log).toEqual(['ping@1000', 'ping@1100', 'ping@1200']);
    vi.advanceTimersByTime(20);
    expect(log.at(-1)).toBe('timeout@1250');
  });

  it('only times out without a ping function, and stop() cancels everything', () => {
    const idle = harness(false);
    vi.advanceTimersByTime(249);
    expect(idle.log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(idle.log).toEqual(['timeout@250']);
    vi.useRealTimers();
    const stopped = harness(true);
    stopped.heartbeat.stop();
    vi.advanceTimersByTime(1000);
    expect(stopped.log).toEqual([]);
  });
});
