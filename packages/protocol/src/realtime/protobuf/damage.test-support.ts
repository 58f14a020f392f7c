/**
 * Test support (not built into the package): frames with a few bytes flipped, cut or inserted, for
 * property tests of the protobuf decoders.
 *
 * @packageDocumentation
 */
import fc from 'fast-check';

/** `frames` with one to four edits each: a byte set, the frame cut at a byte, or a byte inserted. */
export function damagedFrames(frames: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      frames,
      fc.array(
        fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('set', 'cut', 'insert')),
        {
          minLength: 1,
          maxLength: 4,
        },
      ),
    )
    .map(([frame, edits]) => {
      let bytes = Array.from(frame);
      for (const [at, value, op] of edits) {
        const i = bytes.length === 0 ? 0 : at % bytes.length;
        if (op === 'set') bytes[i] = value;
        else if (op === 'cut') bytes = bytes.slice(0, i);
        else bytes.splice(i, 0, value);
      }
      return Uint8Array.from(bytes);
    });
}
