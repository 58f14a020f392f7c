/**
 * Custom streams: server-managed presence groups that clients only receive from.
 *
 * @packageDocumentation
 */

import type { UserPresence } from './presence.ts';

/** Identity of a stream (`rtapi.Stream`). */
export interface Stream {
  /** Stream mode (kind); modes 0–7 are Nakama's built-ins, custom streams use others. */
  mode: number;
  /** Primary identifier, if any. */
  subject?: string;
  /** Secondary identifier, if any. */
  subcontext?: string;
  /** Label, if any. */
  label?: string;
}

/** Server → client push: data sent on a stream (`rtapi.StreamData`). */
export interface StreamData {
  /** The stream. */
  stream: Stream;
  /** Sender, if any. */
  sender?: UserPresence;
  /** Data as a plain string (a proto `string`, not base64 `bytes`). */
  data: string;
  /** True if delivered reliably. */
  reliable?: boolean;
}

/** Server → client push: presences joined or left a stream (`rtapi.StreamPresenceEvent`). */
export interface StreamPresenceEvent {
  /** The stream. */
  stream: Stream;
  /** Presences that joined. */
  joins?: UserPresence[];
  /** Presences that left. */
  leaves?: UserPresence[];
}
