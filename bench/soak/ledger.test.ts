/**
 * The soak's loss ledgers on hand-made histories: what they must count as lost, and what they must
 * not (messages sent before the receiver joined, a dropped connection's messages in flight).
 */
import { describe, expect, it } from 'vitest';
import { ChatLedger, StreamLedger } from './ledger.ts';

/** A, B in match m; A sends `n` messages at t = 10, 11, …; returns their sequence numbers. */
function sends(l: StreamLedger, vu: number, n: number, from = 10): number[] {
  return Array.from({ length: n }, (_, i) => l.sent(vu, from + i));
}

describe('StreamLedger', () => {
  it('counts nothing lost when every owed message arrives in order', () => {
    const l = new StreamLedger();
    l.join(1, 1, 'm', 0);
    l.join(2, 1, 'm', 0);
    for (const s of sends(l, 1, 5)) l.received(2, 1, 1, s, 1);
    l.finish();
    expect(l.totals()).toMatchObject({ sent: 5, delivered: 5, lost: 0, duplicates: 0 });
  });

  it('counts a gap before a later message of the same connection as lost', () => {
    const l = new StreamLedger();
    l.join(1, 1, 'm', 0);
    l.join(2, 1, 'm', 0);
    const s = sends(l, 1, 5);
    for (const q of [s[0]!, s[1]!, s[4]!]) l.received(2, 1, 1, q, 1);
    expect(l.totals().lost).toBe(2);
    expect(l.totals().examples).toEqual(['1→2 #3', '1→2 #2']);
  });

  it('owes a receiver nothing sent before its join was answered', () => {
    const l = new StreamLedger();
    l.join(1, 1, 'm', 0);
    const s = sends(l, 1, 5); // t = 10..14
    l.join(2, 1, 'm', 12.5); // joined between the 3rd and 4th send
    l.received(2, 1, 1, s[4]!, 1);
    expect(l.totals().lost).toBe(1); // only #3 (t = 13) was owed
  });

  it("does not owe a dropped sender's last messages, but owes those of its new connection", () => {
    const l = new StreamLedger();
    l.join(1, 1, 'm', 0);
    l.join(2, 1, 'm', 0);
    const a = sends(l, 1, 4); // epoch 1
    l.received(2, 1, 1, a[0]!, 1); // #1–#3 were in flight when sender 1 dropped
    l.leave(1);
    l.join(1, 2, 'm', 20);
    const b = sends(l, 1, 3, 21); // epoch 2
    l.received(2, 1, 1, b[2]!, 2); // #4 and #5 of epoch 2 missing
    expect(l.totals().lost).toBe(2);
  });

  it('after the drain, owes live receivers every message up to each live sender’s last', () => {
    const l = new StreamLedger();
    l.join(1, 1, 'm', 0);
    l.join(2, 1, 'm', 0);
    l.join(3, 1, 'm', 0);
    l.join(4, 1, 'other', 0);
    sends(l, 1, 3);
    l.received(2, 1, 1, 0, 1);
    l.leave(3); // dropped: owed nothing
    l.finish();
    expect(l.totals().lost).toBe(2); // #1, #2 to receiver 2; nothing to 3 (gone) or 4 (other match)
  });

  it('counts a message received twice or out of order', () => {
    const l = new StreamLedger();
    l.join(1, 1, 'm', 0);
    l.join(2, 1, 'm', 0);
    const s = sends(l, 1, 3);
    l.received(2, 1, 1, s[1]!, 1);
    l.received(2, 1, 1, s[0]!, 1);
    l.received(2, 1, 1, s[1]!, 1);
    expect(l.totals()).toMatchObject({ lost: 1, duplicates: 2 });
  });
});

describe('ChatLedger', () => {
  it('finds acknowledged messages missing from the history', () => {
    const c = new ChatLedger();
    c.acked('2...a', 'x');
    c.acked('2...a', 'y');
    c.acked('2...b', 'z');
    const t = c.check(new Map([['2...a', new Set(['x', 'y', 'other'])]]));
    expect(t).toMatchObject({ acked: 3, found: 2, missing: 1, historyMessages: 3, examples: ['2...b z'] });
  });
});
