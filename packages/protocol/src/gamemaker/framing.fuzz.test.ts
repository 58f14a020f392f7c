import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ProtocolError } from '../errors.ts';
import {
  encodeClientSignature,
  encodeGmPacket,
  encodeServerAck,
  GM_HELLO,
  GmClientFramer,
  type GmOutput,
  GmPacketDecoder,
  GmServerFramer,
} from './framing.ts';

function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
/** Cuts `bytes` at the given positions (taken modulo length+1); copies, so chunks never alias. */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    chunks.push(bytes.slice(prev, p));
    prev = p;
  }
  return chunks;
}
function show(outs: GmOutput[]): string[] {
  return outs.map((o) =>
    o.type === 'send'
      ? `send ${toHex(o.bytes)}`
      : o.type === 'ready'
        ? `ready ${o.gameId}`
        : `packet ${toHex(o.payload)}`,
  );
}

/**
 * Whole-input reference decoder: the simplest possible reading of the framing rules. The
 * incremental decoder must agree with it on every input, however the input is cut.
 */
function reference(bytes: Uint8Array, maxPayload: number): { payloads: string[]; error?: string } {
  const prefix = [0xde, 0xc0, 0xad, 0xde, 0x0c, 0, 0, 0];
  const payloads: string[] = [];
  let i = 0;
  while (i < bytes.length) {
    const avail = bytes.length - i;
    for (let k = 0; k < Math.min(avail, 8); k++) {
      if (bytes[i + k] !== prefix[k])
        return { payloads, error: k < 4 ? 'GM_BAD_MAGIC' : 'GM_BAD_HEADER_SIZE' };
    }
    if (avail < 12) break;
    const len = new DataView(bytes.buffer, bytes.byteOffset + i + 8, 4).getUint32(0, true);
    if (len > maxPayload) return { payloads, error: 'GM_PAYLOAD_TOO_LARGE' };
    if (avail < 12 + len) break;
    payloads.push(toHex(bytes.subarray(i + 12, i + 12 + len)));
    i += 12 + len;
  }
  return { payloads };
}

const MAX = 64;
const payloadList = fc.array(fc.uint8Array({ maxLength: MAX }), { maxLength: 12 });
const cutList = fc.array(fc.nat(), { maxLength: 16 });

/**
 * Byte streams that reach every state: pure noise, valid packet streams (optionally after either
 * side's handshake bytes) with one byte corrupted, and valid streams followed by noise.
 */
const hostileStream = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .tuple(
      fc.constantFrom('none', 'signature', 'hello-ack'),
      payloadList,
      fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))),
      fc.uint8Array({ maxLength: 20 }),
    )
    .map(([prefix, payloads, mutation, tail]) => {
      const head =
        prefix === 'signature'
          ? [encodeClientSignature(7)]
          : prefix === 'hello-ack'
            ? [GM_HELLO, encodeServerAck()]
            : [];
      const wire = concat([...head, ...payloads.map(encodeGmPacket), tail]);
      if (mutation && wire.length > 0) wire[mutation[0] % wire.length] = mutation[1];
      return wire;
    }),
);

describe('framing properties', () => {
  it('(1) random payload lists, encoded and cut anywhere, decode back identically', () => {
    fc.assert(
      fc.property(payloadList, cutList, (payloads, cuts) => {
        const d = new GmPacketDecoder({ maxPayload: MAX });
        const out: Uint8Array[] = [];
        for (const chunk of split(concat(payloads.map(encodeGmPacket)), cuts)) {
          out.push(...d.push(chunk));
          expect(d.buffered).toBeLessThanOrEqual(12 + MAX);
        }
        // Compared only at the end: earlier payloads must not have been overwritten by later pushes.
        expect(out.map(toHex)).toEqual(payloads.map(toHex));
        expect(d.buffered).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('(1) the server framer yields ack, ready and the packets for any cutting of the stream', () => {
    fc.assert(
      fc.property(fc.integer(), payloadList, cutList, (gameId, payloads, cuts) => {
        const s = new GmServerFramer({ maxPayload: MAX });
        s.start();
        const wire = concat([encodeClientSignature(gameId), ...payloads.map(encodeGmPacket)]);
        const outs = split(wire, cuts).flatMap((chunk) => s.receive(chunk));
        expect(show(outs)).toEqual([
          `send ${toHex(encodeServerAck())}`,
          `ready ${gameId}`,
          ...payloads.map((p) => `packet ${toHex(p)}`),
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('(1) the client framer yields signature, ready and the packets for any cutting of the stream', () => {
    fc.assert(
      fc.property(payloadList, cutList, (payloads, cuts) => {
        const c = new GmClientFramer({ maxPayload: MAX, gameId: 3 });
        const wire = concat([GM_HELLO, encodeServerAck(), ...payloads.map(encodeGmPacket)]);
        const outs = split(wire, cuts).flatMap((chunk) => c.receive(chunk));
        expect(show(outs)).toEqual([
          `send ${toHex(encodeClientSignature(3))}`,
          'ready 0',
          ...payloads.map((p) => `packet ${toHex(p)}`),
        ]);
      }),
      { numRuns: 300 },
    );
  });

  it('(2) the incremental decoder agrees with a whole-input reference on any bytes and any cuts', () => {
    fc.assert(
      fc.property(hostileStream, cutList, fc.integer({ min: 0, max: MAX }), (wire, cuts, maxPayload) => {
        const expected = reference(wire, maxPayload);
        const d = new GmPacketDecoder({ maxPayload });
        const got: string[] = [];
        let error: string | undefined;
        for (const chunk of split(wire, cuts)) {
          try {
            got.push(...d.push(chunk).map(toHex));
          } catch (e) {
            if (!(e instanceof ProtocolError)) throw e;
            error = e.code;
            break;
          }
          expect(d.buffered).toBeLessThanOrEqual(12 + maxPayload);
        }
        expect(error).toBe(expected.error);
        if (error === undefined) expect(got).toEqual(expected.payloads);
        // A throwing push returns nothing, so packets that completed in the failing chunk are dropped
        // with the connection; everything delivered before must still match the reference.
        else expect(got).toEqual(expected.payloads.slice(0, got.length));
      }),
      { numRuns: 1000 },
    );
  });

  it('(2) arbitrary bytes never make a framer throw anything but ProtocolError or exceed its bound', () => {
    const makers = [
      (max: number) => new GmServerFramer({ maxPayload: max }),
      (max: number) => new GmServerFramer({ maxPayload: max, handshake: false }),
      (max: number) => new GmClientFramer({ maxPayload: max }),
      (max: number) => new GmClientFramer({ maxPayload: max, handshake: false }),
    ];
    fc.assert(
      fc.property(
        hostileStream,
        cutList,
        fc.integer({ min: 0, max: MAX }),
        fc.integer({ min: 0, max: 3 }),
        (wire, cuts, maxPayload, which) => {
          const framer = makers[which]!(maxPayload);
          framer.start();
          let failure: ProtocolError | undefined;
          for (const chunk of split(wire, cuts)) {
            try {
              for (const o of framer.receive(chunk)) {
                if (o.type === 'packet') expect(o.payload.length).toBeLessThanOrEqual(maxPayload);
              }
            } catch (e) {
              expect(e).toBeInstanceOf(ProtocolError);
              failure = e as ProtocolError;
              break;
            }
            expect(framer.buffered).toBeLessThanOrEqual(12 + Math.max(maxPayload, GM_HELLO.length));
          }
          if (failure) {
            expect(Object.values(ErrorCode)).toContain(failure.code);
            expect([1002, 1009]).toContain(failure.closeCode);
            expect(framer.state).toBe('failed');
            expect(framer.buffered).toBe(0);
            expect(() => framer.receive(new Uint8Array(1))).toThrow(failure);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
