/**
 * The server's Prometheus metrics: one prom-client {@link Registry} per server (never the global
 * default registry), and the meters of `meters.ts` over it.
 *
 * @packageDocumentation
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type {
  AuthMeter,
  CarrierMeter,
  Count,
  HttpMeter,
  MatchMeter,
  PipelineMeter,
  SessionMeter,
  StoreMeter,
} from './meters.ts';

/** A counter the hot paths bump: a plain number field, read into the registry on scrape. */
class Tally implements Count {
  value = 0;
  inc(n = 1): void {
    this.value += n;
  }
}

/** Most label values one family keeps; later ones are counted under `other` (bounds the series). */
const MAX_LABEL_VALUES = 256;

/** Tallies by one label value, created on first use. */
class TallyFamily {
  readonly #cells = new Map<string, Tally>();

  of(label: string): Tally {
    let cell = this.#cells.get(label);
    if (cell !== undefined) return cell;
    const key = this.#cells.size >= MAX_LABEL_VALUES ? 'other' : label;
    cell = this.#cells.get(key);
    if (cell === undefined) {
      cell = new Tally();
      this.#cells.set(key, cell);
    }
    return cell;
  }

  entries(): IterableIterator<[string, Tally]> {
    return this.#cells.entries();
  }

  total(): number {
    let sum = 0;
    for (const cell of this.#cells.values()) sum += cell.value;
    return sum;
  }
}

/** One carrier's tallies. */
class CarrierTallies implements CarrierMeter {
  readonly bytesIn = new Tally();
  readonly bytesOut = new Tally();
  readonly opens = new Tally();
  open = 0;
  readonly #sent: TallyFamily;
  // The last type written and its tally: a broadcast writes one type to many sessions in a row, so
  // most calls skip the map lookup.
  #lastType: string | undefined;
  #lastTally: Tally | undefined;

  constructor(sent: TallyFamily) {
    this.#sent = sent;
  }

  sent(type: string): void {
    let tally = this.#lastTally;
    if (tally === undefined || type !== this.#lastType) {
      tally = this.#sent.of(type);
      this.#lastType = type;
      this.#lastTally = tally;
    }
    tally.inc();
  }

  opened(): void {
    this.open++;
    this.opens.inc();
  }

  closed(): void {
    this.open--;
  }
}

/** Totals for the console's status page, read without going through the registry. */
export interface TrafficSnapshot {
  /** Open sessions by carrier. */
  readonly sessions: Readonly<Record<string, number>>;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** A gauge read at scrape time: label values → number. */
export type GaugeReader = () => Iterable<readonly [Readonly<Record<string, string>>, number]>;

/** Buckets for fast operations (match loops, store calls): 50 µs to 1 s. */
const FAST_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1,
];
/** Buckets for authentications (password hashing dominates): 1 ms to 5 s. */
const AUTH_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Every metric of one server. Counters on hot paths are {@link Tally} numbers copied into prom-client
 * counters when scraped (prom-client's own `inc` hashes its labels on every call); rarer events
 * (match loops, authentications, store calls) go to prom-client histograms directly.
 * `collectDefaultMetrics` adds Node's (event-loop lag, GC durations, heap, CPU, handles) at the first
 * scrape.
 */
export class Metrics {
  /** The registry `/metrics` serves. */
  readonly registry = new Registry();
  readonly pipeline: PipelineMeter;
  readonly sessions: SessionMeter;
  readonly matches: MatchMeter;
  readonly auth: AuthMeter;
  readonly storage: StoreMeter;
  readonly http: HttpMeter;
  readonly #received = new TallyFamily();
  readonly #sent = new TallyFamily();
  readonly #carriers = new Map<string, CarrierTallies>();
  readonly #socketErrors = new TallyFamily();
  readonly #httpErrors = new TallyFamily();
  #nodeMetrics = false;

  constructor() {
    const registers = [this.registry];
    this.#tallyCounter(
      'tether_messages_received_total',
      'Realtime envelopes received, by type.',
      'type',
      () => this.#received.entries(),
    );
    this.#tallyCounter(
      'tether_messages_sent_total',
      'Realtime envelopes written to sessions, by type.',
      'type',
      () => this.#sent.entries(),
    );
    this.#tallyCounter(
      'tether_realtime_errors_total',
      'Error envelopes sent on realtime sockets, by realtime error code.',
      'code',
      () => this.#socketErrors.entries(),
    );
    this.#tallyCounter('tether_http_errors_total', 'HTTP API error responses, by gRPC code.', 'code', () =>
      this.#httpErrors.entries(),
    );
    this.#tallyCounter(
      'tether_bytes_received_total',
      'Bytes of inbound realtime messages, by carrier.',
      'carrier',
      () => this.#carrierEntries((c) => c.bytesIn),
    );
    this.#tallyCounter(
      'tether_bytes_sent_total',
      'Bytes of outbound realtime frames, by carrier.',
      'carrier',
      () => this.#carrierEntries((c) => c.bytesOut),
    );
    this.#tallyCounter(
      'tether_sessions_opened_total',
      'Realtime sessions opened, by carrier.',
      'carrier',
      () => this.#carrierEntries((c) => c.opens),
    );
    this.gauge('tether_sessions', 'Realtime sessions open now, by carrier.', ['carrier'], () =>
      [...this.#carriers].map(([carrier, c]) => [{ carrier }, c.open] as const),
    );

    const loop = new Histogram({
      name: 'tether_match_loop_duration_seconds',
      help: 'Time one authoritative matchLoop call (and its broadcasts) took.',
      buckets: FAST_BUCKETS,
      registers,
    });
    const authCount = new Counter({
      name: 'tether_authentications_total',
      help: 'Authentications by method (device, custom, email, refresh) and result (ok or the error kind).',
      labelNames: ['method', 'result'],
      registers,
    });
    const authTime = new Histogram({
      name: 'tether_authentication_duration_seconds',
      help: 'Time an authentication took, by method.',
      labelNames: ['method'],
      buckets: AUTH_BUCKETS,
      registers,
    });
    const store = new Histogram({
      name: 'tether_storage_operation_duration_seconds',
      help: 'Time a storage operation took, by store and method (accounts.getUser, ...).',
      labelNames: ['operation'],
      buckets: FAST_BUCKETS,
      registers,
    });

    const received = this.#received;
    const socketErrors = this.#socketErrors;
    const httpErrors = this.#httpErrors;
    this.pipeline = Object.freeze({
      received: (type: string) => received.of(type),
      error: (code: number) => socketErrors.of(String(code)).inc(),
    });
    this.sessions = Object.freeze({ carrier: (name: string) => this.#carrier(name) });
    this.matches = Object.freeze({ loop: (seconds: number) => loop.observe(seconds) });
    this.auth = Object.freeze({
      authenticated: (method: string, result: string, seconds: number) => {
        authCount.inc({ method, result });
        authTime.observe({ method }, seconds);
      },
    });
    this.storage = Object.freeze({
      observe: (operation: string, seconds: number) => store.observe({ operation }, seconds),
    });
    this.http = Object.freeze({ error: (code: number) => httpErrors.of(String(code)).inc() });
  }

  /** Adds a gauge whose values are read when scraped (matches by kind, ...). */
  gauge(name: string, help: string, labelNames: readonly string[], read: GaugeReader): void {
    new Gauge({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.set(labels, value);
      },
    });
  }

  /** Adds a counter whose totals are read when scraped (kept by the code that counts, as plain numbers). */
  counter(name: string, help: string, labelNames: readonly string[], read: GaugeReader): void {
    new Counter({
      name,
      help,
      labelNames: [...labelNames],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, value] of read()) this.inc(labels, value);
      },
    });
  }

  /** Totals for the status page. */
  traffic(): TrafficSnapshot {
    const sessions: Record<string, number> = {};
    let bytesIn = 0;
    let bytesOut = 0;
    for (const [name, c] of this.#carriers) {
      sessions[name] = c.open;
      bytesIn += c.bytesIn.value;
      bytesOut += c.bytesOut.value;
    }
    return {
      sessions,
      messagesIn: this.#received.total(),
      messagesOut: this.#sent.total(),
      bytesIn,
      bytesOut,
    };
  }

  /**
   * The Prometheus text exposition of every metric. Node's default metrics (event-loop lag, GC, heap,
   * CPU) are registered on the first call: they start a GC observer and an event-loop delay monitor
   * that prom-client cannot stop, so a server nobody scrapes (most test servers) never starts them.
   */
  text(): Promise<string> {
    if (!this.#nodeMetrics) {
      this.#nodeMetrics = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return this.registry.metrics();
  }

  /** The content type of {@link text}. */
  get contentType(): string {
    return this.registry.contentType;
  }

  #carrier(name: string): CarrierTallies {
    let c = this.#carriers.get(name);
    if (!c) {
      c = new CarrierTallies(this.#sent);
      this.#carriers.set(name, c);
    }
    return c;
  }

  *#carrierEntries(pick: (c: CarrierTallies) => Tally): IterableIterator<[string, Tally]> {
    for (const [name, c] of this.#carriers) yield [name, pick(c)];
  }

  /** A counter whose values are copied from tallies when scraped. */
  #tallyCounter(
    name: string,
    help: string,
    label: string,
    read: () => Iterable<readonly [string, Tally]>,
  ): void {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [value, tally] of read()) this.inc({ [label]: value }, tally.value);
      },
    });
  }
}
