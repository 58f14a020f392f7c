import { describe, expect, it } from 'vitest';
import { OutboundMessage } from '../presence/outbound.ts';
import { SessionRegistry } from './registry.ts';
import { ResumeBuffer } from './resume-buffer.ts';
import { Session, type SessionCarrier } from './session.ts';
import { TurnBatcher } from './turn-batcher.ts';

function harness(limits = { maxQueuedMessages: 4, maxBufferedBytes: 100 }) {
  const writes: string[][] = [];
  const closes: [number, string][] = [];
  const ended: string[] = [];
  const pending: (() => void)[] = [];
  const carrier: SessionCarrier & { bufferedBytes: number } = {
    format: 'json-text',
    remoteAddress: '127.0.0.1',
    bufferedBytes: 0,
    writeBatch: (ms) => writes.push(ms.map((m) => m.text)),
    close: (code, reason) => closes.push([code, reason]),
  };
  const session = new Session({
    id: 's1',
    identity: { userId: 'u1', username: 'one', tokenId: 't1', expiresAt: 0, vars: {}, lang: 'en' },
    carrier,
    limits,
    onClose: (s, code, reason) => ended.push(`${s.id}:${code}:${reason}`),
    batcher: new TurnBatcher((fn) => pending.push(fn)),
  });
  return {
    session,
    carrier,
    writes,
    closes,
    ended,
    tick: () => {
      for (const f of pending.splice(0)) f();
    },
  };
}

const msg = (n: number) => new OutboundMessage({ n });

describe('Session', () => {
  it('batches every message of one turn into one ordered write', () => {
    const h = harness();
    h.session.deliver(msg(1));
    h.session.deliver(msg(2));
    h.session.deliver(msg(3));
    expect(h.writes).toEqual([]);
    h.tick();
    expect(h.writes).toEqual([['{"n":1}', '{"n":2}', '{"n":3}']]);
  });

  it('asks a batcher once per turn with itself, and writes each turn in one ordered batch', () => {
    const scheduled: (() => void)[] = [];
    const batcher = new TurnBatcher((fn) => scheduled.push(fn));
    const writes: string[][] = [];
    const open = (name: string) =>
      new Session({
        id: name,
        identity: { userId: name, username: name, tokenId: 't', expiresAt: 0, vars: {}, lang: 'en' },
        carrier: {
          format: 'json-text',
          remoteAddress: '127.0.0.1',
          bufferedBytes: 0,
          writeBatch: (ms) => writes.push(ms.map((m) => `${name}:${m.text}`)),
          close: () => {},
        },
        limits: { maxQueuedMessages: 4, maxBufferedBytes: 100 },
        onClose: () => {},
        batcher,
      });
    const a = open('a');
    const b = open('b');
    a.deliver(msg(1));
    b.deliver(msg(2));
    a.deliver(msg(3));
    expect(scheduled).toHaveLength(1);
    expect(writes).toEqual([]);
    scheduled.shift()!();
    expect(writes).toEqual([['a:{"n":1}', 'a:{"n":3}'], ['b:{"n":2}']]);
    // The next turn asks again.
    b.deliver(msg(4));
    expect(scheduled).toHaveLength(1);
    scheduled.shift()!();
    expect(writes.at(-1)).toEqual(['b:{"n":4}']);
  });

  it('closes a slow consumer with 1008 and a reason instead of queueing without bound', () => {
    const h = harness();
    for (let i = 0; i < 5; i++) h.session.deliver(msg(i));
    expect(h.closes).toEqual([[1008, 'outgoing queue full (slow consumer)']]);
    expect(h.ended).toEqual(['s1:1008:outgoing queue full (slow consumer)']);
    h.tick();
    expect(h.writes).toEqual([]);
  });

  it('closes when the carrier holds too many unsent bytes', () => {
    const h = harness();
    h.carrier.bufferedBytes = 1000;
    h.session.deliver(msg(1));
    h.tick();
    expect(h.closes[0]?.[0]).toBe(1008);
    expect(h.writes).toEqual([]);
  });

  it('writes what is queued before a deliberate close, and closes once', () => {
    const h = harness();
    h.session.deliver(msg(1));
    h.session.close(1000, 'bye');
    h.session.close(1000, 'again');
    h.session.deliver(msg(2));
    h.tick();
    expect(h.writes).toEqual([['{"n":1}']]);
    expect(h.closes).toEqual([[1000, 'bye']]);
    expect(h.ended).toHaveLength(1);
  });

  it('reports a peer close once and stops delivering', () => {
    const h = harness();
    h.session.closedByPeer(1006, '');
    h.session.deliver(msg(1));
    h.tick();
    expect(h.ended).toEqual(['s1:1006:']);
    expect(h.closes).toEqual([]);
    expect(h.writes).toEqual([]);
  });
});

describe('Session resume (detach, attach)', () => {
  const control = (n: number) => [new OutboundMessage({ session_resume: { replayed: n } })];

  function resumable(maxMessages = 10) {
    const h = harness({ maxQueuedMessages: 100, maxBufferedBytes: 100 });
    const overflows: string[] = [];
    h.session.makeResumable(new ResumeBuffer({ maxMessages, maxBytes: 10_000 }), (s) => overflows.push(s.id));
    const next: string[][] = [];
    const carrier: SessionCarrier = {
      format: 'json-text',
      remoteAddress: '10.0.0.2',
      bufferedBytes: 0,
      writeBatch: (ms) => next.push(ms.map((m) => m.text)),
      close: () => {},
    };
    return { ...h, overflows, next, carrier };
  }

  it('keeps what it is sent while detached and replays from what the client received, after the control', () => {
    const h = resumable();
    h.session.deliver(msg(0));
    h.session.deliver(msg(1));
    h.tick(); // 0 and 1 written (the client will say it got only 0)
    h.session.deliver(msg(2)); // queued, not yet written
    h.session.detach();
    h.session.deliver(msg(3));
    h.tick();
    expect(h.writes).toEqual([['{"n":0}', '{"n":1}']]);
    expect(h.session.attach(h.carrier, 1, control)).toBe(3);
    expect(h.next).toEqual([['{"session_resume":{"replayed":3}}', '{"n":1}', '{"n":2}', '{"n":3}']]);
    expect(h.session.carrier).toBe(h.carrier);
    expect(h.ended).toEqual([]);
  });

  it('refuses a replay it no longer has, or a count beyond what was sent, and changes nothing', () => {
    const h = resumable(2);
    for (let i = 0; i < 4; i++) h.session.deliver(msg(i));
    h.tick();
    h.session.detach();
    expect(h.session.attach(h.carrier, 1, control)).toBeUndefined(); // 0 and 1 were dropped
    expect(h.session.attach(h.carrier, 5, control)).toBeUndefined(); // only 4 were sent
    expect(h.session.detached).toBe(true);
    expect(h.session.attach(h.carrier, 2, control)).toBe(2);
  });

  it('reports an overflow once when a message the client never received is dropped while detached', () => {
    const h = resumable(2);
    h.session.deliver(msg(0));
    h.tick();
    h.session.detach();
    h.session.deliver(msg(1));
    h.session.deliver(msg(2)); // drops 0: written before the break, maybe received
    expect(h.overflows).toEqual([]);
    h.session.deliver(msg(3)); // drops 1: never written
    h.session.deliver(msg(4));
    expect(h.overflows).toEqual(['s1']);
    expect(h.session.attach(h.carrier, 2, control)).toBeUndefined();
  });

  it('closes a detached session without touching its old carrier, and a renewed identity must be the same user', () => {
    const h = resumable();
    h.session.detach();
    const other = { ...h.session.identity, userId: 'u2' };
    expect(h.session.attach(h.carrier, 0, control, other)).toBeUndefined();
    const renewed = { ...h.session.identity, tokenId: 't2' };
    expect(h.session.attach(h.carrier, 0, control, renewed)).toBe(0);
    expect(h.session.identity.tokenId).toBe('t2');
    h.session.detach();
    h.session.close(1006, 'grace period over');
    expect(h.closes).toEqual([]);
    expect(h.ended).toEqual(['s1:1006:grace period over']);
  });
});

describe('SessionRegistry', () => {
  it('indexes by id and user, and closes by user or token', () => {
    const reg = new SessionRegistry();
    const a = harness();
    reg.add(a.session);
    expect(reg.get('s1')).toBe(a.session);
    expect(reg.byUser('u1')).toEqual([a.session]);
    expect(reg.closeToken('other', 1000, 'x')).toBe(0);
    expect(reg.closeToken('t1', 1000, 'logged out')).toBe(1);
    expect(a.closes).toEqual([[1000, 'logged out']]);
    reg.remove(a.session);
    expect(reg.size).toBe(0);
    expect(reg.byUser('u1')).toEqual([]);
  });
});
