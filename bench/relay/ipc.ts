/**
 * Messages between the relay benchmark's driver (`main.ts`) and its load generator (`load.ts`).
 *
 * @packageDocumentation
 */
import type { ServerKind } from './dialects.ts';

/** Messages each client sends per second. */
export const SEND_HZ = 20;
/** Clients per match. */
export const MATCH_SIZE = 8;

/** Driver → load generator. */
export type ToLoad =
  | {
      readonly type: 'init';
      readonly kind: ServerKind;
      readonly host: string;
      readonly port: number;
      /** Every node's port, for a multi-node server. */
      readonly ports?: readonly number[];
      readonly runId: string;
    }
  /** Open matches until there are `matches` (never closes any). */
  | { readonly type: 'grow'; readonly matches: number; readonly timeoutMs: number }
  /**
   * Send for `warmMs + windowMs`, measuring the last `windowMs`, then wait up to `drainMs`; with
   * `profile`, a CPU profile of the generator's window is written to that file.
   */
  | {
      readonly type: 'measure';
      readonly warmMs: number;
      readonly windowMs: number;
      readonly drainMs: number;
      readonly profile?: string;
    }
  | { readonly type: 'stop' };

/** What one measurement window yields. */
export interface WindowResult {
  /** Measured window length (ms). */
  readonly windowMs: number;
  /** Clients sending during the window. */
  readonly clients: number;
  /** Messages sent during the window. */
  readonly sent: number;
  /** Relayed messages received during the window (one per recipient). */
  readonly delivered: number;
  /** Latency quantiles of those deliveries (ms, send stamp to receipt). */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  /** CPU time of the generator per wall time during the window (1 = one core). */
  readonly genCpu: number;
  /** 99th percentile of the generator's event-loop delay during the window (ms). */
  readonly genLoopP99: number;
  /** Sends dropped because the generator fell more than 100 ms behind schedule (whole step). */
  readonly skipped: number;
  /** Deliveries still missing when the drain wait ended (whole step). */
  readonly undelivered: number;
  /** Clients whose connection closed since the start of the run. */
  readonly disconnects: number;
}

/** Load generator → driver. */
export type FromLoad =
  | { readonly type: 'grown'; readonly matches: number; readonly clients: number; readonly ms: number }
  | { readonly type: 'window-start' }
  | { readonly type: 'window-end' }
  | { readonly type: 'result'; readonly result: WindowResult }
  | { readonly type: 'error'; readonly message: string };
