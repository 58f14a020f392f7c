import { describe, expect, it } from 'vitest';
import { CloseCode, ErrorCode, ProtocolError } from './errors.ts';

describe('ProtocolError', () => {
  it('carries a stable code, a close code, a name and an optional cause', () => {
    const cause = new RangeError('low level');
    const e = new ProtocolError(ErrorCode.GM_BAD_MAGIC, 'bad magic', undefined, { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('ProtocolError');
    expect(e.code).toBe('GM_BAD_MAGIC');
    expect(e.message).toBe('bad magic');
    expect(e.closeCode).toBe(CloseCode.PROTOCOL_ERROR);
    expect(e.cause).toBe(cause);
  });

  it('picks a close code per error code unless one is given', () => {
    expect(new ProtocolError(ErrorCode.GM_PAYLOAD_TOO_LARGE, '').closeCode).toBe(1009);
    expect(new ProtocolError(ErrorCode.BUFFER_OVERRUN, '').closeCode).toBe(1002);
    expect(new ProtocolError(ErrorCode.BUFFER_OUT_OF_SPACE, '').closeCode).toBe(1011);
    expect(new ProtocolError(ErrorCode.GM_BAD_HANDSHAKE, '', CloseCode.POLICY_VIOLATION).closeCode).toBe(
      1008,
    );
  });

  it('keeps the catalog values equal to their keys', () => {
    for (const [key, value] of Object.entries(ErrorCode)) expect(value).toBe(key);
    expect(CloseCode).toMatchObject({ NORMAL: 1000, MESSAGE_TOO_BIG: 1009, TRY_AGAIN_LATER: 1013 });
  });
});
