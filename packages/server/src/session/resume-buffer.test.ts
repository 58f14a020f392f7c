import { describe, expect, it } from 'vitest';
import { OutboundMessage } from '../presence/outbound.ts';
import { ResumeBuffer } from './resume-buffer.ts';

const msg = (n: number) => new OutboundMessage({ n });
const texts = (ms: OutboundMessage[] | undefined) => ms?.map((m) => m.text);

describe('ResumeBuffer', () => {
  it('numbers messages and serves every one from a sequence number on', () => {
    const b = new ResumeBuffer({ maxMessages: 10, maxBytes: 1000 });
    for (let i = 0; i < 3; i++) b.push(msg(i));
    expect([b.start, b.end]).toEqual([0, 3]);
    expect(texts(b.from(1))).toEqual(['{"n":1}', '{"n":2}']);
    expect(b.from(3)).toEqual([]);
    // More than was sent: the client cannot have it.
    expect(b.from(4)).toBeUndefined();
  });

  it('drops the oldest past the message bound and refuses what it dropped', () => {
    const b = new ResumeBuffer({ maxMessages: 2, maxBytes: 1000 });
    for (let i = 0; i < 5; i++) expect(b.push(msg(i))).toBe(Math.max(0, i - 1));
    expect([b.start, b.end]).toEqual([3, 5]);
    expect(b.from(2)).toBeUndefined();
    expect(texts(b.from(3))).toEqual(['{"n":3}', '{"n":4}']);
  });

  it('drops the oldest past the byte bound, counting UTF-8 bytes', () => {
    const b = new ResumeBuffer({ maxMessages: 100, maxBytes: 30 });
    b.push(new OutboundMessage({ t: 'ééééé' })); // 18 bytes
    b.push(new OutboundMessage({ t: 'abc' })); // 11 bytes
    expect(b.bytes).toBe(29);
    b.push(msg(1)); // 7 bytes: the first goes
    expect([b.start, b.end, b.bytes]).toEqual([1, 3, 18]);
    // A message alone over the bound is dropped too: nothing can be served from before it.
    b.push(new OutboundMessage({ t: 'x'.repeat(40) }));
    expect([b.start, b.end, b.bytes]).toEqual([4, 4, 0]);
  });

  it('stays compact over many pushes', () => {
    const b = new ResumeBuffer({ maxMessages: 3, maxBytes: 10_000 });
    for (let i = 0; i < 5000; i++) b.push(msg(i));
    expect(texts(b.from(4997))).toEqual(['{"n":4997}', '{"n":4998}', '{"n":4999}']);
  });
});
