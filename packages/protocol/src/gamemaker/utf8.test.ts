import { describe, expect, it } from 'vitest';
import { decodeGmText, decodeUtf8 } from './utf8.ts';

const bytes = (...b: number[]) => new Uint8Array(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('decodeGmText', () => {
  it('decodes valid UTF-8, and CESU-8 surrogate pairs to the same text', () => {
    expect(decodeGmText(utf8('héllo 😀 €'))).toBe('héllo 😀 €');
    // U+1F600 as the HTML5 runtime writes it: D83D DE00, each surrogate on three bytes.
    const cesu = bytes(0x61, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0x62);
    expect(decodeGmText(cesu)).toBe('a😀b');
    expect(decodeGmText(cesu)).toBe(decodeUtf8(cesu));
  });

  it('refuses everything else instead of replacing it', () => {
    for (const bad of [
      bytes(0x61, 0xff),
      bytes(0x61, 0xfe),
      bytes(0xc0, 0xaf), // overlong '/'
      bytes(0xe0, 0x80, 0xaf), // overlong
      bytes(0xe2, 0x82), // truncated
      bytes(0xed, 0xa0, 0xbd), // a lone high surrogate
      bytes(0xed, 0xb8, 0x80), // a lone low surrogate
      bytes(0xed, 0xb8, 0x80, 0xed, 0xa0, 0xbd), // reversed pair
      bytes(0xed, 0xa0, 0xbd, 0x61), // high then ASCII
      bytes(0xf4, 0x90, 0x80, 0x80), // above U+10FFFD
      bytes(0x80),
    ]) {
      expect(decodeGmText(bad)).toBeUndefined();
    }
  });
});
