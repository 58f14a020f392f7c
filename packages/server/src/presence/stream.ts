/**
 * Presence streams: one addressing scheme for every realtime feature. A stream is
 * `(mode, subject, subcontext, label)`; status, notifications, chat channels, matches and parties are
 * all streams, told apart by mode (the numbers are Nakama's, so channel and match ids keep its format).
 */
export const StreamMode = {
  NOTIFICATIONS: 0,
  STATUS: 1,
  CHANNEL: 2,
  GROUP: 3,
  DM: 4,
  MATCH_RELAYED: 5,
  MATCH_AUTHORITATIVE: 6,
  PARTY: 7,
} as const;
export type StreamMode = (typeof StreamMode)[keyof typeof StreamMode];

/** A stream address. Empty strings mean "unused" (proto3 zero values). */
export interface StreamKey {
  readonly mode: number;
  readonly subject: string;
  readonly subcontext: string;
  readonly label: string;
}

/** Builds a stream key, defaulting unused parts to "". */
export function stream(mode: number, subject = '', subcontext = '', label = ''): StreamKey {
  return { mode, subject, subcontext, label };
}

/**
 * The canonical string form, `mode.subject.subcontext.label`. It is also Nakama's channel id format
 * (`2...lobby`, `4.<uidA>.<uidB>.`), which is why the tracker keys maps by it.
 */
export function streamId(s: StreamKey): string {
  if (s instanceof IdentifiedStream) return s.id;
  return `${s.mode}.${s.subject}.${s.subcontext}.${s.label}`;
}

/**
 * A stream key that carries its {@link streamId}, made once: a hot path that looks the same stream
 * up again and again (a relayed match's sends) then neither builds the id string nor hashes a new
 * one per lookup. The id is a private field, so the key serializes and compares as a plain one.
 */
class IdentifiedStream implements StreamKey {
  readonly mode: number;
  readonly subject: string;
  readonly subcontext: string;
  readonly label: string;
  readonly #id: string;

  constructor(key: StreamKey) {
    this.mode = key.mode;
    this.subject = key.subject;
    this.subcontext = key.subcontext;
    this.label = key.label;
    this.#id = `${key.mode}.${key.subject}.${key.subcontext}.${key.label}`;
  }

  get id(): string {
    return this.#id;
  }
}

/** `key` with its id computed once (see {@link streamId}), for keys a hot path keeps and reuses. */
export function identifiedStream(key: StreamKey): StreamKey {
  return key instanceof IdentifiedStream ? key : new IdentifiedStream(key);
}

/** Parses {@link streamId} output; returns null for anything else. Labels may contain dots. */
export function parseStreamId(id: string): StreamKey | null {
  const first = id.indexOf('.');
  const second = id.indexOf('.', first + 1);
  const third = id.indexOf('.', second + 1);
  if (first <= 0 || second < 0 || third < 0) return null;
  const mode = Number(id.slice(0, first));
  if (!Number.isInteger(mode) || mode < 0) return null;
  return stream(mode, id.slice(first + 1, second), id.slice(second + 1, third), id.slice(third + 1));
}
