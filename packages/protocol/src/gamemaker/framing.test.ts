import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, ProtocolError } from '../errors.ts';
import {
  encodeClientSignature,
  encodeGmPacket,
  encodeServerAck,
  GM_CLIENT_MAGIC_1,
  GM_CLIENT_MAGIC_2,
  GM_DEFAULT_MAX_PAYLOAD,
  GM_HEADER_SIZE,
  GM_HELLO,
  GM_PACKET_MAGIC,
  GM_SERVER_MAGIC_1,
  GM_SERVER_MAGIC_2,
  GmClientFramer,
  type GmOutput,
  GmPacketDecoder,
  GmServerFramer,
} from './framing.ts';

/** Parses a hex fixture; spaces are ignored so fixtures can be grouped by field. */
function hex(s: string): Uint8Array {
  const clean = s.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}
function toHex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
/** Outputs with byte arrays turned into hex, so whole sequences compare with toEqual. */
function show(outs: GmOutput[]): string[] {
  return outs.map((o) =>
    o.type === 'send'
      ? `send ${toHex(o.bytes)}`
      : o.type === 'ready'
        ? `ready ${o.gameId}`
        : `packet ${toHex(o.payload)}`,
  );
}
function catchError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProtocolError) return e;
    throw e;
  }
  throw new Error('expected a ProtocolError');
}

// Exact bytes from the reference notes, section 2.1.
const HELLO_HEX = '474d3a53747564696f2d436f6e6e65637400';
const SIGNATURE_HEX = 'bebafeca 0bb0adde 10000000 00000000';
const ACK_HEX = 'adbeafde ebbe0df0 0c000000';
const PACKET_A = hex('dec0adde 0c000000 03000000 010203');
const PACKET_EMPTY = hex('dec0adde 0c000000 00000000');
const PACKET_B = hex('dec0adde 0c000000 05000000 68656c6c6f');
const STREAM = concat(PACKET_A, PACKET_EMPTY, PACKET_B);
const STREAM_PAYLOADS = ['010203', '', '68656c6c6f'];

describe('GameMaker wire constants and encoders', () => {
  it('match the documented handshake bytes', () => {
    expect(toHex(GM_HELLO)).toBe(HELLO_HEX);
    expect(new TextDecoder().decode(GM_HELLO)).toBe('GM:Studio-Connect\0');
    expect(toHex(encodeClientSignature())).toBe(toHex(hex(SIGNATURE_HEX)));
    expect(toHex(encodeServerAck())).toBe(toHex(hex(ACK_HEX)));
    expect([
      GM_CLIENT_MAGIC_1,
      GM_CLIENT_MAGIC_2,
      GM_SERVER_MAGIC_1,
      GM_SERVER_MAGIC_2,
      GM_PACKET_MAGIC,
    ]).toEqual([0xcafebabe, 0xdeadb00b, 0xdeafbead, 0xf00dbeeb, 0xdeadc0de]);
    expect(GM_HEADER_SIZE).toBe(12);
    expect(GM_DEFAULT_MAX_PAYLOAD).toBe(4194304);
  });

  it('writes the game id as a little-endian signed 32-bit field', () => {
    expect(toHex(encodeClientSignature(0x12345678)).slice(24)).toBe('78563412');
    expect(toHex(encodeClientSignature(-1)).slice(24)).toBe('ffffffff');
    expect(toHex(encodeClientSignature(0xffffffff)).slice(24)).toBe('ffffffff');
    expect(() => encodeClientSignature(1.5)).toThrow(RangeError);
    expect(() => encodeClientSignature(2 ** 32)).toThrow(RangeError);
  });

  it('frames payloads with the 12-byte header', () => {
    expect(toHex(encodeGmPacket(hex('010203')))).toBe(toHex(PACKET_A));
    expect(toHex(encodeGmPacket(new Uint8Array(0)))).toBe(toHex(PACKET_EMPTY));
    expect(encodeGmPacket(new Uint8Array(300)).length).toBe(312);
  });
});

describe('GmPacketDecoder', () => {
  it('decodes several packets glued in one chunk, as views of that chunk', () => {
    const d = new GmPacketDecoder();
    const out = d.push(STREAM);
    expect(out.map(toHex)).toEqual(STREAM_PAYLOADS);
    expect(out[0]!.buffer).toBe(STREAM.buffer);
    expect(d.buffered).toBe(0);
    expect(d.push(new Uint8Array(0))).toEqual([]);
  });

  it('decodes the stream split at every single offset', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const d = new GmPacketDecoder();
      const out = [...d.push(STREAM.slice(0, cut)), ...d.push(STREAM.slice(cut))];
      expect(out.map(toHex), `cut at ${cut}`).toEqual(STREAM_PAYLOADS);
      expect(d.buffered).toBe(0);
    }
  });

  it('decodes the stream split at every pair of offsets', () => {
    for (let a = 0; a <= STREAM.length; a++) {
      for (let b = a; b <= STREAM.length; b++) {
        const d = new GmPacketDecoder();
        const out = [
          ...d.push(STREAM.slice(0, a)),
          ...d.push(STREAM.slice(a, b)),
          ...d.push(STREAM.slice(b)),
        ];
        expect(out.map(toHex)).toEqual(STREAM_PAYLOADS);
      }
    }
  });

  it('decodes one byte at a time and reports what it holds', () => {
    const d = new GmPacketDecoder();
    const out: Uint8Array[] = [];
    const held: number[] = [];
    for (const byte of PACKET_A) {
      out.push(...d.push(Uint8Array.of(byte)));
      held.push(d.buffered);
    }
    expect(out.map(toHex)).toEqual(['010203']);
    expect(held).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0]);
  });

  it('assembles a large payload from many chunks into one exact-size array', () => {
    const payload = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    const wire = encodeGmPacket(payload);
    const d = new GmPacketDecoder();
    const out: Uint8Array[] = [];
    for (let i = 0; i < wire.length; i += 1000) {
      out.push(...d.push(wire.subarray(i, i + 1000)));
      expect(d.buffered).toBeLessThanOrEqual(12 + payload.length);
    }
    expect(out).toHaveLength(1);
    expect(out[0]!.byteLength).toBe(payload.length);
    expect(out[0]!.buffer.byteLength).toBe(payload.length);
    expect(out[0]!.every((b, i) => b === payload[i])).toBe(true);
  });

  it('rejects bad magic on the first wrong byte', () => {
    const d = new GmPacketDecoder();
    const e = catchError(() => d.push(hex('de c0 ad 00')));
    expect(e.code).toBe(ErrorCode.GM_BAD_MAGIC);
    expect(e.closeCode).toBe(CloseCode.PROTOCOL_ERROR);
    expect(catchError(() => new GmPacketDecoder().push(hex('7b'))).code).toBe(ErrorCode.GM_BAD_MAGIC);
  });

  it('rejects a header size other than 12', () => {
    const e = catchError(() => new GmPacketDecoder().push(hex('dec0adde 10000000 00000000')));
    expect(e.code).toBe(ErrorCode.GM_BAD_HEADER_SIZE);
    expect(e.closeCode).toBe(1002);
    expect(e.message).toContain('16');
    const late = new GmPacketDecoder();
    late.push(PACKET_A);
    expect(catchError(() => late.push(hex('dec0adde 0c0001'))).code).toBe(ErrorCode.GM_BAD_HEADER_SIZE);
  });

  it('rejects an oversized length as soon as the header is complete', () => {
    const d = new GmPacketDecoder({ maxPayload: 16 });
    expect(d.push(hex('dec0adde 0c000000 1100'))).toEqual([]);
    const e = catchError(() => d.push(hex('0000')));
    expect(e.code).toBe(ErrorCode.GM_PAYLOAD_TOO_LARGE);
    expect(e.closeCode).toBe(CloseCode.MESSAGE_TOO_BIG);
    expect(d.buffered).toBe(0);
    const ok = new GmPacketDecoder({ maxPayload: 16 });
    expect(ok.push(encodeGmPacket(new Uint8Array(16)))).toHaveLength(1);
    const huge = catchError(() => new GmPacketDecoder().push(hex('dec0adde 0c000000 ffffffff')));
    expect(huge.code).toBe(ErrorCode.GM_PAYLOAD_TOO_LARGE);
  });

  it('only buffers what actually arrived when a peer announces a big packet and stalls', () => {
    const d = new GmPacketDecoder();
    d.push(concat(hex('dec0adde 0c000000 00004000'), new Uint8Array(10)));
    expect(d.buffered).toBe(22);
  });

  it('stays failed and rethrows the same error', () => {
    const d = new GmPacketDecoder();
    const first = catchError(() => d.push(hex('00')));
    expect(catchError(() => d.push(PACKET_A))).toBe(first);
  });

  it('raises the payload limit for headers read after setMaxPayload, as a server does after authentication', () => {
    const d = new GmPacketDecoder({ maxPayload: 16 });
    expect(d.push(encodeGmPacket(new Uint8Array(16)))).toHaveLength(1);
    d.setMaxPayload(1024);
    expect(d.maxPayload).toBe(1024);
    expect(d.push(encodeGmPacket(new Uint8Array(1024)))[0]).toHaveLength(1024);
    expect(() => d.setMaxPayload(-1)).toThrow(RangeError);
    const f = new GmServerFramer({ handshake: false, maxPayload: 4 });
    expect(catchError(() => f.receive(encodeGmPacket(new Uint8Array(5)))).code).toBe(
      ErrorCode.GM_PAYLOAD_TOO_LARGE,
    );
    const g = new GmServerFramer({ handshake: false, maxPayload: 4 });
    g.setMaxPayload(5);
    expect(g.receive(encodeGmPacket(new Uint8Array(5)))).toEqual([
      { type: 'packet', payload: new Uint8Array(5) },
    ]);
  });

  it('validates maxPayload', () => {
    expect(() => new GmPacketDecoder({ maxPayload: -1 })).toThrow(RangeError);
    expect(() => new GmPacketDecoder({ maxPayload: 1.5 })).toThrow(RangeError);
    expect(new GmPacketDecoder({ maxPayload: 0 }).push(PACKET_EMPTY)).toHaveLength(1);
  });
});

describe('GmServerFramer', () => {
  const SIG = hex(SIGNATURE_HEX);

  it('greets, accepts the signature, acks and becomes ready', () => {
    const s = new GmServerFramer();
    expect(s.state).toBe('awaiting-signature');
    expect(show(s.start())).toEqual([`send ${HELLO_HEX}`]);
    expect(show(s.receive(SIG))).toEqual([`send ${toHex(hex(ACK_HEX))}`, 'ready 0']);
    expect(s.state).toBe('ready');
    expect(show(s.receive(STREAM))).toEqual(STREAM_PAYLOADS.map((p) => `packet ${p}`));
  });

  it('reads the 4th signature u32 as a signed game id without checking it', () => {
    const ready = (tail: string) =>
      new GmServerFramer().receive(hex(`bebafeca 0bb0adde 10000000 ${tail}`)).find((o) => o.type === 'ready');
    expect(ready('ffffffff')).toEqual({ type: 'ready', gameId: -1 });
    expect(ready('78563412')).toEqual({ type: 'ready', gameId: 0x12345678 });
    expect(ready('00000080')).toEqual({ type: 'ready', gameId: -2147483648 });
  });

  it('handles the signature and glued packets split at every offset', () => {
    const wire = concat(encodeClientSignature(77), STREAM);
    const expected = [
      `send ${toHex(hex(ACK_HEX))}`,
      'ready 77',
      ...STREAM_PAYLOADS.map((p) => `packet ${p}`),
    ];
    for (let cut = 0; cut <= wire.length; cut++) {
      const s = new GmServerFramer();
      s.start();
      const first = s.receive(wire.slice(0, cut));
      if (cut < 16) expect(s.buffered).toBe(cut);
      const outs = [...first, ...s.receive(wire.slice(cut))];
      expect(show(outs), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('rejects a wrong signature on the first wrong byte and stays failed', () => {
    const s = new GmServerFramer();
    s.start();
    s.receive(hex('bebafeca 0b'));
    const e = catchError(() => s.receive(hex('b1')));
    expect(e.code).toBe(ErrorCode.GM_BAD_HANDSHAKE);
    expect(e.closeCode).toBe(1002);
    expect(s.state).toBe('failed');
    expect(s.buffered).toBe(0);
    expect(catchError(() => s.receive(SIG))).toBe(e);
  });

  it('rejects a client that skips the handshake (raw packets, or text)', () => {
    expect(catchError(() => new GmServerFramer().receive(PACKET_A)).code).toBe(ErrorCode.GM_BAD_HANDSHAKE);
    expect(catchError(() => new GmServerFramer().receive(new TextEncoder().encode('{"a":1}'))).code).toBe(
      ErrorCode.GM_BAD_HANDSHAKE,
    );
    // The wrong header size in the signature (12 instead of 16) is a wrong byte too.
    const wrongSize = hex('bebafeca 0bb0adde 0c000000 00000000');
    expect(catchError(() => new GmServerFramer().receive(wrongSize)).code).toBe(ErrorCode.GM_BAD_HANDSHAKE);
  });

  it('fails on framing errors after the handshake', () => {
    const s = new GmServerFramer({ maxPayload: 4 });
    s.receive(SIG);
    const e = catchError(() => s.receive(encodeGmPacket(new Uint8Array(5))));
    expect(e.code).toBe(ErrorCode.GM_PAYLOAD_TOO_LARGE);
    expect(e.closeCode).toBe(1009);
    expect(s.state).toBe('failed');
  });

  it('skips the handshake when asked', () => {
    const s = new GmServerFramer({ handshake: false });
    expect(s.state).toBe('ready');
    expect(s.start()).toEqual([{ type: 'ready', gameId: 0 }]);
    expect(show(s.receive(PACKET_A))).toEqual(['packet 010203']);
  });
});

describe('GmClientFramer', () => {
  const HELLO = hex(HELLO_HEX);
  const ACK = hex(ACK_HEX);

  it('answers the hello with its signature, then waits for the ack', () => {
    const c = new GmClientFramer({ gameId: 42 });
    expect(c.start()).toEqual([]);
    expect(c.state).toBe('awaiting-hello');
    expect(show(c.receive(HELLO))).toEqual([`send ${toHex(encodeClientSignature(42))}`]);
    expect(c.state).toBe('awaiting-ack');
    expect(show(c.receive(ACK))).toEqual(['ready 0']);
    expect(c.state).toBe('ready');
  });

  it('delivers a packet glued to the back of the ack', () => {
    const c = new GmClientFramer();
    c.receive(HELLO);
    expect(show(c.receive(concat(ACK, PACKET_A)))).toEqual(['ready 0', 'packet 010203']);
  });

  it('handles hello, ack and packets split at every offset', () => {
    const wire = concat(HELLO, ACK, STREAM);
    const expected = [
      `send ${toHex(encodeClientSignature())}`,
      'ready 0',
      ...STREAM_PAYLOADS.map((p) => `packet ${p}`),
    ];
    for (let cut = 0; cut <= wire.length; cut++) {
      const c = new GmClientFramer();
      const outs = [...c.receive(wire.slice(0, cut)), ...c.receive(wire.slice(cut))];
      expect(show(outs), `cut at ${cut}`).toEqual(expected);
    }
  });

  it('rejects a wrong hello or ack', () => {
    const c = new GmClientFramer();
    expect(catchError(() => c.receive(new TextEncoder().encode('GM:Studio-Connecx'))).code).toBe(
      ErrorCode.GM_BAD_HANDSHAKE,
    );
    expect(c.state).toBe('failed');
    const d = new GmClientFramer();
    d.receive(HELLO);
    expect(catchError(() => d.receive(PACKET_A)).code).toBe(ErrorCode.GM_BAD_HANDSHAKE);
    expect(() => d.receive(ACK)).toThrow(ProtocolError);
  });

  it('skips the handshake when asked and validates its options', () => {
    const c = new GmClientFramer({ handshake: false });
    expect(c.start()).toEqual([{ type: 'ready', gameId: 0 }]);
    expect(show(c.receive(PACKET_B))).toEqual(['packet 68656c6c6f']);
    expect(() => new GmClientFramer({ gameId: 0.5 })).toThrow(RangeError);
    expect(() => new GmClientFramer({ maxPayload: -1 })).toThrow(RangeError);
  });
});

describe('server and client framers talking to each other', () => {
  it('complete the handshake and exchange packets both ways', () => {
    const server = new GmServerFramer();
    const client = new GmClientFramer({ gameId: 9 });
    const toClient: Uint8Array[] = [];
    const toServer: Uint8Array[] = [];
    const events: string[] = [];
    const run = (who: string, outs: GmOutput[], wire: Uint8Array[]) => {
      for (const o of outs) {
        if (o.type === 'send') wire.push(o.bytes);
        else events.push(`${who} ${o.type === 'ready' ? `ready ${o.gameId}` : `packet ${toHex(o.payload)}`}`);
      }
    };
    run('server', server.start(), toClient);
    client.start();
    run('client', client.receive(toClient.shift()!), toServer);
    run('server', server.receive(toServer.shift()!), toClient);
    // The server's first packet goes out glued to the ack, which clients must tolerate.
    toClient.push(concat(toClient.pop()!, encodeGmPacket(hex('01'))));
    run('client', client.receive(toClient.shift()!), toServer);
    run('server', server.receive(encodeGmPacket(hex('0203'))), toClient);
    expect(events).toEqual(['server ready 9', 'client ready 0', 'client packet 01', 'server packet 0203']);
  });
});
