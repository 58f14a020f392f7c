/**
 * A GameMaker realtime client for tests, at byte level: the GameMaker handshake and 12-byte packet
 * framing (from `gm-client.ts`, written from the wire format), with one JSON envelope per packet, as a
 * GML game would send it with `buffer_write(buf, buffer_string, json_stringify(...))` and
 * `network_send_packet`. Reusable by any realtime feature test (chat, matches...).
 *
 * @example
 * ```ts
 * const gm = await GmRealtimeClient.tcp(server.gm!.port);
 * const me = await gm.authenticate(token, { status: true });
 * const reply = await gm.request('status_follow', { user_ids: [other] });
 * const push = await gm.nextPush('status_presence_event');
 * ```
 */
import { type CloseResult, GmTestClient } from './gm-client.ts';
import { deviceLogin } from './http-client.ts';

/** One decoded envelope. */
export type Envelope = Record<string, unknown>;

/** Options of {@link GmRealtimeClient.authenticate}; the same fields as the `authenticate` envelope. */
export interface GmAuthenticateOptions {
  status?: boolean;
  lang?: string;
  single_socket?: boolean;
  /** Session resume (Tether extension): ask for a resumable session. */
  resumable?: boolean;
  /** Session resume: the token of the session to resume, and the envelopes received on it. */
  resume_token?: string;
  resume_seq?: number;
}

/** A realtime client over GameMaker framing (TCP or WebSocket `/gm`). */
export class GmRealtimeClient {
  /** The byte-level client underneath, for raw writes. */
  readonly gm: GmTestClient;
  /** Every envelope received, in order. */
  readonly received: Envelope[] = [];
  /** Resolves once the connection has ended (after every packet before it was received). */
  readonly ended: Promise<CloseResult>;
  /** Whether strings are sent as `buffer_string` writes them, with a trailing NUL (default true). */
  nul = true;
  #cid = 0;
  #pushesRead = new Map<string, number>();
  readonly #waiters = new Set<() => void>();
  #done = false;

  private constructor(gm: GmTestClient) {
    this.gm = gm;
    this.ended = this.#pump().then(async () => {
      this.#done = true;
      for (const w of this.#waiters) w();
      return gm.closed;
    });
  }

  /**
   * Connects to the GameMaker TCP port (from `localAddress`, a 127.x address, if given; after
   * `preamble`, a PROXY protocol header, if given) and completes the handshake.
   */
  static async tcp(port: number, localAddress?: string, preamble?: Buffer): Promise<GmRealtimeClient> {
    return new GmRealtimeClient(
      await GmTestClient.tcp(port, { localAddress, ...(preamble ? { preamble } : {}) }),
    );
  }

  /** Connects to `ws://…/gm` and completes the handshake. */
  static async ws(url: string): Promise<GmRealtimeClient> {
    return new GmRealtimeClient(await GmTestClient.ws(url));
  }

  /** Logs a new device in over HTTP (what GML's `http_request` does) and returns its session token. */
  static async token(baseUrl: string, deviceId = `gm-${Math.random().toString(36).slice(2, 14)}`) {
    return (await deviceLogin(baseUrl, deviceId)).token;
  }

  /** Sends one envelope in one packet (an object is JSON-encoded; a string is sent as is). */
  send(envelope: Envelope | string): void {
    const text = typeof envelope === 'string' ? envelope : JSON.stringify(envelope);
    this.gm.send(this.nul ? `${text}\0` : text);
  }

  /** Sends `{cid, [key]: body}` with the next cid and waits for the envelope carrying that cid. */
  async request(key: string, body: unknown = {}): Promise<Envelope> {
    const cid = String(++this.#cid);
    this.send({ cid, [key]: body });
    return this.waitFor((e) => e.cid === cid, `reply to ${key} (cid ${cid})`);
  }

  /**
   * Authenticates (the first envelope on a GameMaker carrier) and returns the `session` reply body.
   * Throws with the error envelope if the server refused.
   */
  async authenticate(token: string, options: GmAuthenticateOptions = {}): Promise<Envelope> {
    const reply = await this.request('authenticate', { token, ...options });
    if (!reply.session) throw new Error(`authenticate refused: ${JSON.stringify(reply)}`);
    return reply.session as Envelope;
  }

  /** The next push (no cid) with `key` not yet returned by this method, waiting for it. */
  async nextPush(key: string, timeoutMs = 5000): Promise<Envelope> {
    const index = this.#pushesRead.get(key) ?? 0;
    this.#pushesRead.set(key, index + 1);
    return this.waitFor((e) => this.pushes(key).indexOf(e) === index, `push ${key} #${index}`, timeoutMs);
  }

  /** Pushes (envelopes without cid) received so far with `key`, as their bodies' envelopes. */
  pushes(key: string): Envelope[] {
    return this.received.filter((e) => e.cid === undefined && key in e);
  }

  /** The first received envelope matching `match`, waiting for it. */
  waitFor(match: (e: Envelope) => boolean, what = 'envelope', timeoutMs = 5000): Promise<Envelope> {
    const found = this.received.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.received.find(match);
        if (hit) finish(() => resolve(hit));
        else if (this.#done) finish(() => reject(new Error(`connection ended before ${what}`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`no ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        then();
      };
      this.#waiters.add(check);
    });
  }

  /** Drops the connection. */
  destroy(): void {
    this.gm.destroy();
  }

  /** Reads packets until the connection ends; each one is one JSON envelope. */
  async #pump(): Promise<void> {
    for (;;) {
      let payload: Buffer;
      try {
        payload = await this.gm.next();
      } catch {
        return;
      }
      this.received.push(JSON.parse(payload.toString('utf8')) as Envelope);
      for (const w of [...this.#waiters]) w();
    }
  }
}
