/**
 * Types shared by the `nk` slices.
 *
 * @packageDocumentation
 */
import type { MatchPresence } from '../../features/match/match-handler.ts';

/** A session's identity as runtime functions see it (the same shape as {@link MatchPresence}). */
export interface Presence extends MatchPresence {
  /** Status text, on status and custom stream presences that carry one. */
  readonly status?: string;
}

/** A stream address for the `stream*` functions; absent parts are `""`. Custom streams use modes 8–255. */
export interface StreamId {
  readonly mode: number;
  readonly subject?: string;
  readonly subcontext?: string;
  readonly label?: string;
}
