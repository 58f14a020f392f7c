import { GmBuffer } from '@tether/protocol';
import { describe, expect, it } from 'vitest';
import { type DataEvent, EventQueue, type NetworkEvent } from './events.ts';

const base = { id: 0, socket: 0, ip: '127.0.0.1', port: 1 };
const data = (n: number, size = 1): DataEvent => ({
  ...base,
  type: 'data',
  buffer: GmBuffer.from(new Uint8Array(size).fill(n)),
  size,
  messageType: 'binary',
});
const first = (e: NetworkEvent | undefined): number =>
  e?.type === 'data' ? (e.buffer.bytes()[0] ?? -1) : -1;

describe('EventQueue', () => {
  it('is FIFO and drains in arrival order', () => {
    const q = new EventQueue();
    for (let i = 0; i < 5; i++) expect(q.offer(data(i))).toBe(true);
    expect(first(q.peek())).toBe(0);
    expect(first(q.take())).toBe(0);
    expect(q.drain().map(first)).toEqual([1, 2, 3, 4]);
    expect(q.length).toBe(0);
    expect(q.take()).toBeUndefined();
  });

  it('refuses offers beyond maxEvents or maxBytes, but force() always appends', () => {
    const q = new EventQueue({ maxEvents: 2, maxBytes: 10 });
    expect(q.offer(data(1, 4))).toBe(true);
    expect(q.offer(data(2, 7))).toBe(false); // 11 bytes > 10
    expect(q.offer(data(3, 6))).toBe(true);
    expect(q.bytes).toBe(10);
    expect(q.offer(data(4, 0))).toBe(false); // 3 events > 2
    q.force({ ...base, type: 'disconnect', code: 1008, reason: 'overflow', wasClean: false });
    expect(q.drain().map((e) => e.type)).toEqual(['data', 'data', 'disconnect']);
    expect(q.bytes).toBe(0);
  });

  it('keeps order and byte accounting across many takes (compaction)', () => {
    const q = new EventQueue({ maxEvents: 5000 });
    for (let i = 0; i < 3000; i++) q.offer(data(i % 256));
    for (let i = 0; i < 2500; i++) expect(first(q.take())).toBe(i % 256);
    expect(q.length).toBe(500);
    expect(q.bytes).toBe(500);
    expect(first(q.peek())).toBe(2500 % 256);
  });

  it('hands out distinct socket ids and wakes waiters on push', async () => {
    const q = new EventQueue();
    expect([q.allocateId(), q.allocateId()]).toEqual([0, 1]);
    const waiting = q.whenNonEmpty();
    expect(q.whenNonEmpty()).toBe(waiting); // one shared promise, not one per call
    q.offer(data(9));
    await waiting;
    expect(q.length).toBe(1);
  });

  it('rejects nonsensical limits', () => {
    expect(() => new EventQueue({ maxEvents: 0 })).toThrow(/maxQueuedEvents/);
    expect(() => new EventQueue({ maxBytes: 1.5 })).toThrow(/maxQueuedBytes/);
  });
});
