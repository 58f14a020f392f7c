/**
 * What the soak's players share: the options, the nakama-js client (HTTP), the ledgers, the latency
 * histograms (per sample window and for the whole run) and the counters.
 *
 * @packageDocumentation
 */
import type { Client } from '@heroiclabs/nakama-js';
import { LatencyHistogram } from '../fanout/histogram.ts';
import type { ChatLedger, StreamLedger } from './ledger.ts';

/** Settings of a soak run (see `main.ts` for the flags). */
export interface SoakOptions {
  /** Length of the traffic phase (minutes). */
  readonly minutes: number;
  /** Simulated players: in blocks of 16, 8 in relayed matches, 4 in parties, 4 matchmaking. */
  readonly clients: number;
  /** Whether one player of each match group uses the GameMaker TCP carrier. */
  readonly gamemaker: boolean;
  /** Fraction of the sockets dropped (and reconnected) per minute. */
  readonly churnPerMinute: number;
  /** Seconds between samples of the server's figures. */
  readonly sampleSec: number;
  readonly matchHz: number;
  readonly partyHz: number;
  /** Mean seconds between two chat messages of one player. */
  readonly chatEverySec: number;
  /** Seconds between two logins of a brand-new device. */
  readonly newAccountEverySec: number;
  /** Memory check: the last third's median RSS may exceed the middle third's by this much (MiB)… */
  readonly rssGrowthMiB: number;
  /** …or by this fraction of it, whichever is larger. */
  readonly rssGrowthFraction: number;
  /** `sqlite` or a `postgres://` URL. */
  readonly database: string;
  /** Chaos knobs (tests of the checks themselves), 0 = off. */
  readonly leakBytes: number;
  readonly loseEverySec: number;
  readonly dropEvery: number;
  /** Progress lines (one per sample, notes); default: none. */
  readonly log?: (line: string) => void;
}

/** The defaults of the full soak. */
export const DEFAULTS: SoakOptions = {
  minutes: 30,
  clients: 48,
  gamemaker: true,
  churnPerMinute: 0.1,
  sampleSec: 5,
  matchHz: 10,
  partyHz: 2,
  chatEverySec: 5,
  newAccountEverySec: 5,
  rssGrowthMiB: 24,
  rssGrowthFraction: 0.1,
  database: 'sqlite',
  leakBytes: 0,
  loseEverySec: 0,
  dropEvery: 0,
};

/** A latency histogram for the current sample window and one for the whole run. */
export class Latency {
  readonly window = new LatencyHistogram();
  readonly total = new LatencyHistogram();

  /** Records one latency (µs) in both. */
  record(us: number): void {
    this.window.record(us);
    this.total.record(us);
  }
}

/** Latency histograms (µs in, ms out). */
export interface Histograms {
  /** Chat message round trip (send to ack). */
  readonly request: Latency;
  /** Match and party data, sender's stamp to receipt. */
  readonly delivery: Latency;
  /** Device authentication over HTTP. */
  readonly auth: Latency;
  /** Matchmaker ticket to `matchmaker_matched`. */
  readonly matchmaker: Latency;
}

/** Makes a set of empty histograms. */
export function histograms(): Histograms {
  return {
    request: new Latency(),
    delivery: new Latency(),
    auth: new Latency(),
    matchmaker: new Latency(),
  };
}

/** Event counters of a run. */
export interface Counters {
  auths: number;
  newAccounts: number;
  reconnects: number;
  drops: { close: number; cut: number };
  setupFailures: number;
  /** Connections the server closed without being asked to. */
  unexpectedCloses: number;
  /** Error replies on a healthy connection. */
  errors: number;
  /** Requests with no reply within 10 s on a healthy connection. */
  timeouts: number;
  regroups: number;
  nonPersistentAcks: number;
  mmTickets: number;
  mmMatched: number;
  mmTimeouts: number;
  mmJoined: number;
  mmDelivered: number;
}

/** Fresh counters. */
export function counters(): Counters {
  return {
    auths: 0,
    newAccounts: 0,
    reconnects: 0,
    drops: { close: 0, cut: 0 },
    setupFailures: 0,
    unexpectedCloses: 0,
    errors: 0,
    timeouts: 0,
    regroups: 0,
    nonPersistentAcks: 0,
    mmTickets: 0,
    mmMatched: 0,
    mmTimeouts: 0,
    mmJoined: 0,
    mmDelivered: 0,
  };
}

/** Everything the players share. */
export interface World {
  readonly opts: SoakOptions;
  readonly runId: string;
  readonly client: Client;
  readonly gmPort: number;
  readonly matchLedger: StreamLedger;
  readonly partyLedger: StreamLedger;
  readonly chatLedger: ChatLedger;
  readonly hist: Histograms;
  readonly count: Counters;
  /** Set when the traffic phase ends. */
  stopping: boolean;
  /** A note for the log (the first 200 are also kept for the report). */
  note(line: string): void;
}
