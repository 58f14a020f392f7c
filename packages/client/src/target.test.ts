import { describe, expect, it } from 'vitest';
import { resolveTarget, validateWebSocketClose } from './target.ts';

describe('resolveTarget', () => {
  it('keeps WebSocket paths and lets a non-zero port override the URL', () => {
    expect(resolveTarget('ws', 'ws://127.0.0.1:7350/gm?x=1')).toEqual({
      url: 'ws://127.0.0.1:7350/gm?x=1',
      host: '127.0.0.1',
      port: 7350,
    });
    expect(resolveTarget('ws', 'ws://example.com/gm', 9000).url).toBe('ws://example.com:9000/gm');
    expect(resolveTarget('ws', 'ws://example.com/gm', 0)).toMatchObject({ port: 80 });
  });

  it('builds URLs from hosts, forces TLS for wss and brackets IPv6', () => {
    expect(resolveTarget('ws', 'localhost', 8080).url).toBe('ws://localhost:8080/');
    expect(resolveTarget('wss', 'ws://example.com/a')).toEqual({
      url: 'wss://example.com/a',
      host: 'example.com',
      port: 443,
    });
    expect(resolveTarget('ws', '::1', 7350)).toEqual({ url: 'ws://[::1]:7350/', host: '::1', port: 7350 });
    expect(resolveTarget('ws', 'https://example.com/x').url).toBe('wss://example.com/x');
  });

  it('requires a port for TCP and UDP and rejects junk', () => {
    expect(resolveTarget('tcp', '[::1]', 5)).toEqual({ host: '::1', port: 5 });
    expect(() => resolveTarget('tcp', '127.0.0.1')).toThrow(/needs a port/);
    expect(() => resolveTarget('udp', 'udp://x', 1)).toThrow(/not a URL/);
    expect(() => resolveTarget('ws', 'ftp://x')).toThrow(/ws:\/\/ or wss:\/\//);
    expect(() => resolveTarget('ws', '')).toThrow(/needs a host/);
    expect(() => resolveTarget('ws', 'h', 70000)).toThrow(/port must be/);
  });
});

describe('validateWebSocketClose', () => {
  it('allows only codes browsers can send and short reasons', () => {
    expect(() => validateWebSocketClose(1000, 'ok')).not.toThrow();
    expect(() => validateWebSocketClose(4999, '')).not.toThrow();
    expect(() => validateWebSocketClose(1006, '')).toThrow(/1000 or 3000-4999/);
    expect(() => validateWebSocketClose(1000, 'é'.repeat(62))).toThrow(/123 UTF-8 bytes/);
  });
});
