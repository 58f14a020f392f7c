/**
 * The servers of the fan-out benchmark and the Tether settings it runs with (shared by the driver
 * and the server children; no side effects).
 *
 * @packageDocumentation
 */

/**
 * Servers the benchmark knows: the two floors, then Tether without and with message storage, and
 * Tether from another checkout (`--before <checkout>`, to compare two commits in one run).
 */
export const SERVER_KINDS = ['ws', 'ws-batched', 'tether', 'tether-persist', 'tether-before'] as const;
/** One of {@link SERVER_KINDS}. */
export type ServerKind = (typeof SERVER_KINDS)[number];

/**
 * Tether settings the benchmark sets explicitly so that neither 1,000 sessions nor the send rate hit
 * a limit: the per-session inbound rate limit (default 200/s, burst 400) is lifted, as is the queue
 * of inbound messages waiting behind an asynchronous handler (default 256; a sender's messages wait
 * there while the previous one is stored). The outgoing slow-consumer limits are raised well above
 * what a step can queue (defaults 1,024 messages per turn and 4 MiB unsent), so a client that falls
 * behind shows up as latency, not as a closed socket. The per-address limit on `/ws` is lifted too (by
 * tether-package.ts's loopback settings), since every member connects from 127.0.0.1. Every other setting keeps its default.
 */
export const TETHER_LIMITS = {
  socketRatePerSecond: 1_000_000,
  socketRateBurst: 1_000_000,
  socketMaxPendingMessages: 100_000,
  socketMaxQueuedMessages: 100_000,
  socketMaxBufferedBytes: 64 * 1024 * 1024,
} as const;
