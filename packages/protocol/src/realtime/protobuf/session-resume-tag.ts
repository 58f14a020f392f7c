/**
 * Where Tether's `session_resume` sits in a protobuf `Envelope`, apart from the schema so that a
 * JSON-only client bundle that checks frames for it does not carry the schema's tables.
 *
 * @packageDocumentation
 */

/** Envelope field number of Tether's `session_resume` (numbers from 1000 on are Tether's). */
export const SESSION_RESUME_FIELD = 1000;

/** `session_resume`'s Envelope tag (field number, wire type 2) as its two varint bytes. */
const TAG = (SESSION_RESUME_FIELD << 3) | 2;
const TAG_BYTES = [(TAG & 0x7f) | 0x80, TAG >>> 7] as const;

/**
 * Whether a binary frame from the server is Tether's `session_resume`: an Envelope that starts with
 * field 1000 (the server never gives it a cid). Two byte comparisons, for SDKs that check every frame.
 */
export function isSessionResumePb(frame: Uint8Array): boolean {
  return frame[0] === TAG_BYTES[0] && frame[1] === TAG_BYTES[1];
}
