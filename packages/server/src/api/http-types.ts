import type { IncomingMessage } from 'node:http';

/** One parsed HTTP request as handlers see it. */
export interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly remoteAddress: string;
  /** Reads and parses the JSON body (bounded). An empty body gives `{}`. Malformed JSON → 400. */
  json(): Promise<unknown>;
  /** Reads the raw body as text (bounded). */
  text(): Promise<string>;
}

/**
 * What a handler returns: a JSON body with status 200, or an explicit response. `text` sends a body
 * as is (for endpoints whose caller chose the format, like RPC with `?unwrap`); it wins over `body`.
 */
export type HttpResult = {
  status?: number;
  body?: unknown;
  text?: string;
  /** A JSON body already written as bytes (status 200 unless `status`); wins over `body`. */
  json?: RenderedJson;
  headers?: Record<string, string>;
};

/**
 * A JSON body written straight to bytes by a handler that renders a large response without building
 * it as objects first. `body()` builds the same value as objects, for an API after hook.
 */
export class RenderedJson {
  constructor(
    /** The UTF-8 JSON text. */
    readonly bytes: Buffer,
    /** The value `bytes` is the JSON of (built on demand). */
    readonly body: () => unknown,
  ) {}
}
export type HttpHandler = (req: HttpRequest) => Promise<HttpResult> | HttpResult;

/**
 * One HTTP endpoint as a feature declares it; the HTTP layer mounts it. `name` is the API's name
 * in Nakama's vocabulary (`AuthenticateDevice`, `ListChannelMessages`, ...): before and after hooks
 * and logs refer to it.
 */
export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path with `:param` segments, e.g. `/v2/channel/:channelId`. */
  readonly path: string;
  readonly name: string;
  readonly handler: HttpHandler;
}
