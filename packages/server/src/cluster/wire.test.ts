import { describe, expect, it } from 'vitest';
import { type BusMessage, decodeFrame, encodeFrame, peekSender } from './wire.ts';

const sender = { node: 'n1', incarnation: 'abc123' };

describe('cluster frames', () => {
  it('round-trip messages and payloads, payloads as bytes', () => {
    const messages: BusMessage[] = [
      { t: 'hello' },
      { t: 'ds', s: '2...lobby', x: 's1', y: 'channel_message', p: 0 },
      { t: 'dp', ss: ['a', 'b'], y: 'pong', p: 1 },
      { t: 'call', id: 7, m: 'match.join', b: { x: [1, 'two'] } },
    ];
    const payloads = [Buffer.from('{"channel_message":{"content":"{\\"é\\":1}"}}'), new Uint8Array([0, 255])];
    const frame = encodeFrame(sender, messages, payloads);
    expect(peekSender(frame)).toEqual(sender);
    const decoded = decodeFrame(frame);
    expect(decoded).toMatchObject({ ...sender, messages });
    if ('refused' in decoded) throw new Error('refused');
    expect(Buffer.from(decoded.payloads[0]!).toString()).toBe(payloads[0]!.toString());
    expect([...decoded.payloads[1]!]).toEqual([0, 255]);
  });

  it('refuse another version, truncation, trailing bytes, bad schema and bad payload indexes', () => {
    const good = encodeFrame(sender, [{ t: 'hello' }], []);
    const other = Buffer.from(good);
    other[0] = 2;
    expect(decodeFrame(other)).toMatchObject({ refused: 'version' });
    expect(decodeFrame(good.subarray(0, good.length - 2))).toMatchObject({ refused: 'malformed' });
    expect(decodeFrame(Buffer.concat([good, Buffer.from([1])]))).toMatchObject({ refused: 'malformed' });
    const unknownType = encodeFrame(sender, [{ t: 'nope' } as unknown as BusMessage], []);
    expect(decodeFrame(unknownType)).toMatchObject({ refused: 'schema', sender });
    const dangling = encodeFrame(sender, [{ t: 'dp', ss: ['a'], y: 'pong', p: 3 }], []);
    expect(decodeFrame(dangling)).toMatchObject({
      refused: 'malformed',
      detail: 'payload index out of range',
    });
    const badName = encodeFrame({ node: 'no.dots', incarnation: 'x' }, [{ t: 'hello' }], []);
    expect(decodeFrame(badName)).toMatchObject({ refused: 'malformed' });
    expect(decodeFrame(new Uint8Array([1, 200]))).toMatchObject({ refused: 'malformed' });
  });
});
