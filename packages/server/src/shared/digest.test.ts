import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestBase64url, digestBytes, digestHex } from './digest.ts';

describe('digest', () => {
  it.each(['', 'a', '{"gold":10}', 'é😀\u0000', 'x'.repeat(5000)])(
    "gives createHash's digest of %j",
    (text) => {
      for (const algorithm of ['md5', 'sha256']) {
        const expected = createHash(algorithm).update(text, 'utf8').digest();
        expect(digestHex(algorithm, text)).toBe(expected.toString('hex'));
        expect(digestBytes(algorithm, text).equals(expected)).toBe(true);
        expect(digestBase64url(algorithm, text)).toBe(expected.toString('base64url'));
      }
    },
  );
});
