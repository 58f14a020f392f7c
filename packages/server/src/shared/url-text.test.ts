import { describe, expect, it } from 'vitest';
import { decodeUrlComponent, invalidPathText, invalidQueryText } from './url-text.ts';

describe('decodeUrlComponent', () => {
  it('decodes valid escapes and keeps a % that starts no escape, as URLSearchParams does', () => {
    expect(decodeUrlComponent('a%C3%BF%F0%9F%98%80')).toBe('aÿ😀');
    expect(decodeUrlComponent('50%')).toBe('50%');
    expect(decodeUrlComponent('%zz%41')).toBe('%zzA');
    expect(decodeUrlComponent('%EF%BF%BD')).toBe('\uFFFD');
    expect(decodeUrlComponent('%2F')).toBe('/');
  });

  it('gives undefined for escapes whose bytes are not UTF-8', () => {
    for (const bad of [
      '%FF',
      '%FE',
      '%C3%28',
      '%ED%A0%80',
      '%ED%B0%80',
      '%C0%AF',
      '%E2%82',
      '%F4%90%80%80',
    ]) {
      expect(decodeUrlComponent(`x${bad}`)).toBeUndefined();
    }
  });
});

describe('invalidQueryText', () => {
  it('names the first parameter whose value is not UTF-8', () => {
    expect(invalidQueryText('?a=1&b=x%FF&c=%FE')).toBe("Query parameter 'b' is not valid UTF-8");
    expect(invalidQueryText('na%C3%AFve=%C3%28')).toBe("Query parameter 'naïve' is not valid UTF-8");
    expect(invalidQueryText('?%FF=1')).toBe('Query string is not valid UTF-8');
    expect(invalidQueryText('?%FF')).toBe('Query string is not valid UTF-8');
  });

  it('accepts what decodes to UTF-8, whatever URLSearchParams would do with it', () => {
    for (const ok of ['', '?', '?a=1', '?a=%C3%BF+b&c', '?a=50%&b=%zz', '?a=%26%3D&=x']) {
      expect(invalidQueryText(ok)).toBeUndefined();
    }
  });
});

describe('invalidPathText', () => {
  it('refuses a path with a segment that is not UTF-8', () => {
    expect(invalidPathText('/v2/rpc/a%FF')).toBe('Request path is not valid UTF-8');
    expect(invalidPathText('/v2/rpc/a%C3%BF')).toBeUndefined();
    expect(invalidPathText('/v2/rpc/50%')).toBeUndefined();
  });
});
