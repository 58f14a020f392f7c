import { describe, expect, it } from 'vitest';
import { TrustedProxies } from './client-address.ts';

describe('TrustedProxies', () => {
  const proxies = TrustedProxies.parse(' 10.0.0.0/8, 192.0.2.7 ,fd00::/8');

  it('believes X-Forwarded-For only from a trusted peer', () => {
    expect(proxies.clientAddress('198.51.100.1', '203.0.113.5')).toBe('198.51.100.1');
    expect(proxies.clientAddress('192.0.2.7', '203.0.113.5')).toBe('203.0.113.5');
    expect(proxies.clientAddress('10.1.2.3', undefined)).toBe('10.1.2.3');
    expect(proxies.clientAddress('fd00::1', '2001:db8::5')).toBe('2001:db8::5');
  });

  it('reads the chain from the right, past every trusted proxy', () => {
    // The client forged the first entry; the trusted proxies appended the rest.
    expect(proxies.clientAddress('10.0.0.2', '1.1.1.1, 203.0.113.5, 10.0.0.1')).toBe('203.0.113.5');
    expect(proxies.clientAddress('10.0.0.2', ['1.1.1.1', '203.0.113.5, 10.0.0.1'])).toBe('203.0.113.5');
    // Every hop trusted: the leftmost is the client.
    expect(proxies.clientAddress('10.0.0.2', '10.9.9.9, 10.0.0.1')).toBe('10.9.9.9');
  });

  it('stops at an entry that is not an address, at the last trusted hop', () => {
    expect(proxies.clientAddress('10.0.0.2', 'unknown, 10.0.0.1')).toBe('10.0.0.1');
    expect(proxies.clientAddress('10.0.0.2', '203.0.113.5, <script>')).toBe('10.0.0.2');
  });

  it('reads ports, brackets and IPv4-mapped IPv6 addresses', () => {
    expect(proxies.clientAddress('::ffff:192.0.2.7', '203.0.113.5:4711')).toBe('203.0.113.5');
    expect(proxies.clientAddress('192.0.2.7', '[2001:db8::5]:443')).toBe('2001:db8::5');
    expect(proxies.clientAddress('192.0.2.7', '::ffff:203.0.113.5')).toBe('203.0.113.5');
    expect(proxies.has('::ffff:10.3.3.3')).toBe(true);
  });

  it('with none, every client is its peer', () => {
    const none = TrustedProxies.parse('');
    expect(none.size).toBe(0);
    expect(none.clientAddress('192.0.2.7', '203.0.113.5')).toBe('192.0.2.7');
  });

  it('refuses entries that are neither an address nor a CIDR range, naming them', () => {
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'example.com', '10.0.0.1/8/2', '10.0.0.0/x'])
      expect(() => TrustedProxies.parse(`192.0.2.7,${bad}`)).toThrow(
        `'${bad}' is not an IP address or a CIDR range`,
      );
  });
});
