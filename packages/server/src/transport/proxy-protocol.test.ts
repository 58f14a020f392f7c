import { describe, expect, it } from 'vitest';
import { PROXY_V2_MAX_BYTES, ProxyHeaderError, readProxyHeader } from './proxy-protocol.ts';

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];

/** A version 2 header written byte by byte from the specification's layout. */
function v2(verCmd: number, famProto: number, body: number[]): Buffer {
  return Buffer.from([...SIG, verCmd, famProto, body.length >> 8, body.length & 0xff, ...body]);
}
const IPV4_BODY = [203, 0, 113, 7, 10, 0, 0, 5, 0xd4, 0x31, 0x1a, 0x0b]; // 54321 -> 6667
const IPV6_BODY = [
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01],
  ...[0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02],
  0x30,
  0x39,
  0x1a,
  0x0b,
];

function fails(bytes: Buffer, message: RegExp): void {
  let error: unknown;
  try {
    readProxyHeader(bytes);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ProxyHeaderError);
  expect((error as ProxyHeaderError).code).toBe('PROXY_HEADER');
  expect((error as Error).message).toMatch(message);
}

describe('PROXY protocol version 1', () => {
  it('reads TCP4 and TCP6 lines, and says where the header ends', () => {
    const line = 'PROXY TCP4 203.0.113.7 10.0.0.5 54321 6667\r\n';
    expect(readProxyHeader(latin1(`${line}GM-bytes`))).toEqual({
      complete: true,
      length: line.length,
      source: { address: '203.0.113.7', port: 54321 },
    });
    const six = 'PROXY TCP6 2001:db8:0:0:0:0:0:1 2001:db8::2 1 65535\r\n';
    expect(readProxyHeader(latin1(six))).toEqual({
      complete: true,
      length: six.length,
      source: { address: '2001:db8::1', port: 1 },
    });
  });

  it('accepts UNKNOWN, short or with fields, without a source', () => {
    expect(readProxyHeader(latin1('PROXY UNKNOWN\r\n'))).toEqual({ complete: true, length: 15 });
    const long = 'PROXY UNKNOWN ffff:f::f ffff:f::f 65535 65535\r\n';
    expect(readProxyHeader(latin1(long))).toEqual({ complete: true, length: long.length });
  });

  it('waits for more bytes while what it has can still be a header, byte by byte', () => {
    const line = latin1('PROXY TCP4 203.0.113.7 10.0.0.5 54321 6667\r\n');
    for (let n = 0; n < line.length; n++)
      expect(readProxyHeader(line.subarray(0, n))).toEqual({ complete: false });
    expect(readProxyHeader(line)).toMatchObject({ complete: true, length: line.length });
  });

  it('refuses anything else as soon as it can tell', () => {
    fails(latin1('G'), /does not start with a PROXY protocol header/);
    fails(latin1('GM:Studio-Connect\0'), /does not start/);
    fails(latin1('proxy TCP4 '), /does not start/);
    fails(latin1('PROXY UDP4 1.2.3.4 1.2.3.5 1 2\r\n'), /protocol 'UDP4'/);
    fails(latin1('PROXY TCP4 1.2.3.4 1.2.3.5 1 2 3\r\n'), /not TCP4 addresses/);
    fails(latin1('PROXY TCP4 2001:db8::1 1.2.3.5 1 2\r\n'), /not TCP4 addresses/);
    fails(latin1('PROXY TCP6 1.2.3.4 2001:db8::1 1 2\r\n'), /not TCP6 addresses/);
    fails(latin1('PROXY TCP4 1.2.3.4 1.2.3.5 65536 2\r\n'), /ports/);
    fails(latin1('PROXY TCP4 1.2.3.4 1.2.3.5 080 2\r\n'), /ports/);
    fails(latin1('PROXY TCP4  1.2.3.4 1.2.3.5 1 2\r\n'), /addresses/);
  });

  it('gives up on a line without CRLF by 107 bytes', () => {
    fails(latin1(`PROXY UNKNOWN ${'x'.repeat(93)}`), /longer than 107 bytes/);
    fails(latin1(`PROXY UNKNOWN ${'x'.repeat(94)}\r\n`), /longer than 107 bytes/);
    expect(readProxyHeader(latin1(`PROXY UNKNOWN ${'x'.repeat(91)}\r\n`))).toEqual({
      complete: true,
      length: 107,
    });
  });
});

describe('PROXY protocol version 2', () => {
  it('reads a proxied TCP over IPv4 or IPv6 connection', () => {
    const four = v2(0x21, 0x11, IPV4_BODY);
    expect(readProxyHeader(Buffer.concat([four, latin1('rest')]))).toEqual({
      complete: true,
      length: 28,
      source: { address: '203.0.113.7', port: 54321 },
    });
    expect(readProxyHeader(v2(0x21, 0x21, IPV6_BODY))).toEqual({
      complete: true,
      length: 52,
      source: { address: '2001:db8::1', port: 12345 },
    });
  });

  it('skips TLVs after the addresses (the length covers them)', () => {
    const tlv = [0x05, 0x00, 0x03, 0x61, 0x62, 0x63];
    const header = v2(0x21, 0x11, [...IPV4_BODY, ...tlv]);
    expect(readProxyHeader(Buffer.concat([header, latin1('GM')]))).toMatchObject({
      length: 28 + tlv.length,
      source: { address: '203.0.113.7' },
    });
  });

  it('has no source for LOCAL, an unspecified or UNIX family, or a datagram', () => {
    expect(readProxyHeader(v2(0x20, 0x00, []))).toEqual({ complete: true, length: 16 });
    expect(readProxyHeader(v2(0x20, 0x11, IPV4_BODY))).toEqual({ complete: true, length: 28 });
    expect(readProxyHeader(v2(0x21, 0x00, []))).toEqual({ complete: true, length: 16 });
    expect(readProxyHeader(v2(0x21, 0x31, new Array(216).fill(0)))).toEqual({ complete: true, length: 232 });
    expect(readProxyHeader(v2(0x21, 0x12, IPV4_BODY))).toEqual({ complete: true, length: 28 });
  });

  it('waits for the whole header, byte by byte', () => {
    const header = v2(0x21, 0x21, IPV6_BODY);
    for (let n = 0; n < header.length; n++)
      expect(readProxyHeader(header.subarray(0, n))).toEqual({ complete: false });
  });

  it('refuses a wrong version or command at the 13th byte, and bad families, lengths and sizes', () => {
    fails(Buffer.from([...SIG, 0x11]), /version 1/);
    fails(Buffer.from([...SIG, 0x22]), /command 2/);
    fails(v2(0x21, 0x41, IPV4_BODY), /family or transport/);
    fails(v2(0x21, 0x13, IPV4_BODY), /family or transport/);
    fails(v2(0x21, 0x11, IPV4_BODY.slice(0, 8)), /shorter than its addresses/);
    fails(v2(0x21, 0x21, IPV4_BODY), /shorter than its addresses/);
    const huge = Buffer.from([...SIG, 0x21, 0x11, 0x04, 0x01]);
    fails(huge, new RegExp(`at most ${PROXY_V2_MAX_BYTES}`));
    fails(Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x01]), /does not start/);
  });
});
