/**
 * Reconnection policy: which closes are retried, how long to wait between attempts, and the options
 * that tune it. Pure functions, so the policy is testable without sockets.
 *
 * @packageDocumentation
 */

import { CloseCode } from '@tether/protocol';
import { ClientError, ClientErrorCode } from '../errors.ts';

/**
 * Close codes the SDK understands: the protocol's one table (see the table in docs/client.md for
 * which are retried).
 */
export const RealtimeCloseCode = CloseCode;

/** Codes after which reconnecting would be wrong or pointless. */
const NO_RETRY: ReadonlySet<number> = new Set([
  RealtimeCloseCode.POLICY_VIOLATION,
  RealtimeCloseCode.SESSION_REVOKED,
  RealtimeCloseCode.REPLACED,
  RealtimeCloseCode.BANNED,
  RealtimeCloseCode.ACCOUNT_DELETED,
]);

/** True when a connection that ended with `code` may be reconnected. */
export function isRetryableClose(code: number): boolean {
  return !NO_RETRY.has(code);
}

/** Reconnection settings. */
export interface ReconnectOptions {
  /** Attempts after one disconnect before giving up (default 10). */
  maxAttempts: number;
  /** Base delay of the first attempt in ms (default 500). */
  initialDelayMs: number;
  /** Cap on the delay in ms (default 30 000). */
  maxDelayMs: number;
  /** Growth factor per attempt (default 2). */
  multiplier: number;
  /**
   * Share of each delay that is random, 0–1 (default 0.5: a delay of d waits between d/2 and d), so a
   * server restart is not followed by every client reconnecting in the same millisecond.
   */
  jitter: number;
  /** Refresh the session before reconnecting when it expires within this many ms (default 60 000). */
  refreshBeforeExpiryMs: number;
}

/** Defaults of {@link ReconnectOptions}. */
export const DEFAULT_RECONNECT: Readonly<ReconnectOptions> = Object.freeze({
  maxAttempts: 10,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: 0.5,
  refreshBeforeExpiryMs: 60_000,
});

/** Fills in defaults and validates; `false` disables reconnection (`maxAttempts` 0). */
export function reconnectOptions(input: Partial<ReconnectOptions> | false | undefined): ReconnectOptions {
  const options = { ...DEFAULT_RECONNECT, ...(input === false ? { maxAttempts: 0 } : input) };
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `reconnect.${what}`);
  };
  check(
    Number.isInteger(options.maxAttempts) && options.maxAttempts >= 0,
    'maxAttempts must be an integer >= 0',
  );
  check(options.initialDelayMs >= 0, 'initialDelayMs must be >= 0');
  check(options.maxDelayMs >= options.initialDelayMs, 'maxDelayMs must be >= initialDelayMs');
  check(options.multiplier >= 1, 'multiplier must be >= 1');
  check(options.jitter >= 0 && options.jitter <= 1, 'jitter must be between 0 and 1');
  check(options.refreshBeforeExpiryMs >= 0, 'refreshBeforeExpiryMs must be >= 0');
  return options;
}

/**
 * Delay before attempt `attempt` (1-based): exponential growth capped at `maxDelayMs`, then the jitter
 * share randomised downwards.
 *
 * @param random - a number in [0, 1), `Math.random` by default
 */
export function backoffDelay(options: ReconnectOptions, attempt: number, random: () => number): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.multiplier ** (attempt - 1));
  return Math.round(base * (1 - options.jitter * random()));
}

/** What to do after a connection attempt failed before opening. */
export type AttemptVerdict =
  | { readonly action: 'retry' }
  | {
      readonly action: 'give_up';
      readonly code: 'SESSION_EXPIRED' | 'CONNECT_FAILED' | 'RECONNECT_FAILED';
      readonly message: string;
    };

/** The facts {@link judgeFailedAttempt} decides on. */
export interface FailedAttempt {
  /** The close that ended the attempt. */
  readonly close: { readonly code: number; readonly reason: string; readonly unauthorized?: boolean };
  /** True for the first connection (`connect()`), false while reconnecting. */
  readonly initial: boolean;
  /** True when this attempt already used a freshly refreshed token. */
  readonly refreshed: boolean;
  /** True when the session has a refresh token to try. */
  readonly canRefresh: boolean;
  /** Reconnection attempts made so far. */
  readonly attempt: number;
  /** The bound on attempts. */
  readonly maxAttempts: number;
}

/**
 * Decides after a failed attempt. A refused token is retried once with a refreshed one, and is final
 * when refreshing is impossible or did not help. The first connection otherwise fails fast; a
 * reconnection retries retryable failures until `maxAttempts`.
 */
export function judgeFailedAttempt(f: FailedAttempt): AttemptVerdict {
  const { code, reason, unauthorized } = f.close;
  if (unauthorized && (f.refreshed || !f.canRefresh)) {
    return {
      action: 'give_up',
      code: 'SESSION_EXPIRED',
      message: `the server refused the session token (${reason}); log in again`,
    };
  }
  if (unauthorized) return { action: 'retry' };
  if (f.initial)
    return { action: 'give_up', code: 'CONNECT_FAILED', message: `could not connect: ${reason}` };
  if (!isRetryableClose(code)) {
    return { action: 'give_up', code: 'RECONNECT_FAILED', message: `reconnect refused (${code}): ${reason}` };
  }
  if (f.attempt >= f.maxAttempts) {
    const message = `reconnect failed after ${f.attempt} attempts; last error: ${reason}`;
    return { action: 'give_up', code: 'RECONNECT_FAILED', message };
  }
  return { action: 'retry' };
}
