/**
 * The narrow recording interfaces the server's layers report through. The composition root builds
 * one {@link Metrics} (see `metrics.ts`) and hands each place only the meter it needs; code that is
 * built without one (unit tests, embedders) gets the no-op meters below.
 *
 * Hot paths (every socket message, every outbound envelope) only ever call {@link Count.inc} on a
 * count resolved once, or a method that looks one up in a small map: no allocation per message.
 *
 * @packageDocumentation
 */

/** One counter, bound to its labels once. `inc` adds to a plain number; the registry reads it on scrape. */
export interface Count {
  inc(n?: number): void;
}

/** Socket traffic as the pipeline sees it. */
export interface PipelineMeter {
  /** The count of inbound envelopes of one type; resolved once, when the type's handler is registered. */
  received(type: string): Count;
  /** An error envelope was sent, by realtime error code (rate limits and handler failures). */
  error(code: number): void;
}

/** What the connections of one carrier (`ws`, `ws-pb` for protobuf `/ws`, `gm-tcp`, `gm-ws`) move. */
export interface CarrierMeter {
  /** Bytes of inbound messages. */
  readonly bytesIn: Count;
  /** Bytes of outbound frames, as handed to the connection. */
  readonly bytesOut: Count;
  /** One outbound envelope of `type` written to one session (`match_data`, `error`, ...). */
  sent(type: string): void;
  /** A session opened on this carrier. */
  opened(): void;
  /** A session on this carrier closed. */
  closed(): void;
}

/** Session traffic, per carrier. */
export interface SessionMeter {
  /** The meter of one carrier; the same object for the same name. */
  carrier(name: string): CarrierMeter;
}

/** Authoritative matches. */
export interface MatchMeter {
  /** One `matchLoop` call took `seconds`. */
  loop(seconds: number): void;
}

/** Authentications (device, custom, email, refresh). */
export interface AuthMeter {
  /** One authentication ended with `outcome` (`ok` or a lower-case error kind) after `seconds`. */
  authenticated(method: string, outcome: string, seconds: number): void;
}

/** Storage operations. */
export interface StoreMeter {
  /** One store operation (`accounts.getUser`, ...) took `seconds`, successful or not. */
  observe(operation: string, seconds: number): void;
}

/** HTTP API failures. */
export interface HttpMeter {
  /** An error response with this gRPC code was sent. */
  error(code: number): void;
}

const NO_COUNT: Count = Object.freeze({ inc() {} });
const NO_CARRIER: CarrierMeter = Object.freeze({
  bytesIn: NO_COUNT,
  bytesOut: NO_COUNT,
  sent() {},
  opened() {},
  closed() {},
});

/** Meters that record nothing, for code built without a {@link Metrics}. */
export const NO_METERS = Object.freeze({
  count: NO_COUNT,
  pipeline: Object.freeze<PipelineMeter>({ received: () => NO_COUNT, error() {} }),
  carrier: NO_CARRIER,
  sessions: Object.freeze<SessionMeter>({ carrier: () => NO_CARRIER }),
  match: Object.freeze<MatchMeter>({ loop() {} }),
  auth: Object.freeze<AuthMeter>({ authenticated() {} }),
  store: Object.freeze<StoreMeter>({ observe() {} }),
  http: Object.freeze<HttpMeter>({ error() {} }),
});
