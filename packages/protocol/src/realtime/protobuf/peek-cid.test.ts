import { describe, expect, it } from 'vitest';
import { encodeClientEnvelopePb } from './codec.ts';
import { peekCidPb } from './fast.ts';

describe('peekCidPb', () => {
  it('reads the cid at the start of a frame, whatever follows', () => {
    expect(
      peekCidPb(encodeClientEnvelopePb({ cid: '42', rpc: { id: 'x', payload: 'y'.repeat(9000) } })),
    ).toBe('42');
    // The rest of the frame is not read: a truncated body still shows its cid.
    const frame = encodeClientEnvelopePb({ cid: '7', ping: {} });
    expect(peekCidPb(new Uint8Array([...frame, 0x1a, 0x40, 0x01]))).toBe('7');
  });

  it('gives undefined when there is no readable cid at the start', () => {
    expect(peekCidPb(encodeClientEnvelopePb({ ping: {} }))).toBeUndefined();
    expect(peekCidPb(new Uint8Array([]))).toBeUndefined();
    expect(peekCidPb(new Uint8Array([0x0a, 0x05, 0x31]))).toBeUndefined(); // length past the end
    expect(peekCidPb(new Uint8Array([0x0a, 0x02, 0xff, 0xfe]))).toBeUndefined(); // not UTF-8
    expect(peekCidPb(encodeClientEnvelopePb({ cid: 'c'.repeat(65), ping: {} }))).toBeUndefined(); // over 64
    // A cid written after the message is not looked for.
    expect(peekCidPb(new Uint8Array([0x9a, 0x01, 0x00, 0x0a, 0x01, 0x31]))).toBeUndefined();
  });
});
