import { afterEach, describe, expect, it, vi } from 'vitest';
import { HeartbeatWheel, type WheelHeartbeat } from './heartbeat-wheel.ts';

describe('HeartbeatWheel', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function harness(slotMs = 10) {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const start = Date.now();
    const log: string[] = [];
    const wheel = new HeartbeatWheel<string>({
      pingPeriodMs: 100,
      idleTimeoutMs: 250,
      slotMs,
      handlers: {
        ping: (name) => log.push(`ping ${name}@${Date.now() - start}`),
        timedOut: (name) => log.push(`timeout ${name}@${Date.now() - start}`),
      },
    });
    return { wheel, log };
  }

  it('pings each silent connection every period and times it out at the idle limit, never early', () => {
    const { wheel, log } = harness();
    wheel.watch('a', true);
    vi.advanceTimersByTime(50);
    wheel.watch('b', false);
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(['ping a@100', 'ping a@200', 'timeout a@250', 'timeout b@300']);
    expect(wheel.size).toBe(0);
  });

  it('with a raised ping period (120 s, pong wait 150 s, default slots) still pings and times out', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const start = Date.now();
    const log: string[] = [];
    const entries = new Map<string, WheelHeartbeat<string>>();
    const wheel = new HeartbeatWheel<string>({
      pingPeriodMs: 120_000,
      idleTimeoutMs: 150_000,
      handlers: {
        ping: (name) => {
          log.push(`ping ${name}@${Math.floor((Date.now() - start) / 1000)}s`);
          // The answering peer's pong arrives a second later.
          if (name === 'answering') setTimeout(() => entries.get(name)?.touch(), 1000);
        },
        timedOut: (name) => log.push(`timeout ${name}@${Math.floor((Date.now() - start) / 1000)}s`),
      },
    });
    entries.set('answering', wheel.watch('answering', true));
    entries.set('silent', wheel.watch('silent', true));
    vi.advanceTimersByTime(400_000);
    // Slots of 1 s: each check less than two slots late, never early.
    expect(log).toEqual([
      'ping silent@120s',
      'ping answering@120s',
      'timeout silent@150s',
      'ping answering@241s',
      'ping answering@362s',
    ]);
    expect(wheel.size).toBe(1);
    entries.get('answering')?.stop();
  });

  it('lets a check stop other connections of its slot, and checks the rest', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const log: string[] = [];
    const entries = new Map<string, { stop(): void }>();
    const wheel = new HeartbeatWheel<string>({
      pingPeriodMs: 100,
      idleTimeoutMs: 250,
      slotMs: 10,
      handlers: {
        // Pinging `b` stops `a`, due in the same slot after it (a session closing another, say).
        ping: (name) => {
          log.push(`ping ${name}`);
          if (name === 'b') entries.get('a')?.stop();
        },
        timedOut: (name) => log.push(`timeout ${name}`),
      },
    });
    for (const name of ['a', 'b', 'c', 'd']) entries.set(name, wheel.watch(name, true));
    vi.advanceTimersByTime(100);
    // One slot holds all four, newest first: d, c, b, a; a is stopped before its turn.
    expect(log).toEqual(['ping d', 'ping c', 'ping b']);
    expect(wheel.size).toBe(3);
    log.length = 0;
    vi.advanceTimersByTime(1000);
    expect(log.sort()).toEqual(['ping b', 'ping c', 'ping d', 'timeout b', 'timeout c', 'timeout d']);
    expect(wheel.size).toBe(0);
  });

  it('checks less than two slots late', () => {
    const { wheel, log } = harness(40);
    vi.advanceTimersByTime(15);
    wheel.watch('a', true);
    vi.advanceTimersByTime(1000);
    // Watched at 15: pings due at 115 and 235, the timeout at 265 (slots 120, 240, 280); the timer,
    // started at 15, runs every 40 ms (55, 95, 135, ...) and checks the slots that came due.
    expect(log).toEqual(['ping a@135', 'ping a@255', 'timeout a@295']);
  });

  it('sends no ping while the peer is active, counts any sign of life, and stop() ends the watch', () => {
    const { wheel, log } = harness();
    const a = wheel.watch('a', true);
    const b = wheel.watch('b', true);
    for (let t = 0; t < 10; t++) {
      vi.advanceTimersByTime(90);
      a.touch();
      b.touch();
    }
    expect(log).toEqual([]);
    b.stop();
    b.stop();
    expect(wheel.size).toBe(1);
    vi.advanceTimersByTime(100);
    expect(log).toEqual(['ping a@1000']);
    a.touch(); // the pong
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(['ping a@1000', 'ping a@1100', 'ping a@1200', 'timeout a@1250']);
  });

  it('catches up in one turn after the timer lagged behind the clock', () => {
    vi.useFakeTimers();
    vi.setSystemTime(1_000_000);
    const seen: string[] = [];
    let now = Date.now();
    const wheel = new HeartbeatWheel<string>({
      pingPeriodMs: 100,
      idleTimeoutMs: 250,
      slotMs: 10,
      now: () => now,
      handlers: {
        ping: (name) => seen.push(`ping ${name}`),
        timedOut: (name) => seen.push(`timeout ${name}`),
      },
    });
    wheel.watch('a', true);
    wheel.watch('b', false);
    now += 120; // a blocked event loop: the clock moves, the timer has not run
    vi.advanceTimersByTime(10);
    expect(seen).toEqual(['ping a']);
    now += 10_000;
    vi.advanceTimersByTime(10);
    expect(seen.slice(1).sort()).toEqual(['timeout a', 'timeout b']);
    expect(wheel.size).toBe(0);
  });
});
