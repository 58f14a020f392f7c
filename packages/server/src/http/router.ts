import type { IncomingMessage, ServerResponse } from 'node:http';
import { GrpcCode } from '@tether/protocol';
import type { Logger } from 'pino';
import { type ApiCaller, type ApiHooks, hookedHandler } from '../api/api-hooks.ts';
import { ApiError } from '../api/errors.ts';
import type { ApiRoute, HttpHandler, HttpRequest } from '../api/http-types.ts';
import { type HttpMeter, NO_METERS } from '../observability/meters.ts';
import { DomainError } from '../shared/domain-error.ts';
import { parseRequestTarget } from '../shared/request-target.ts';
import { decodeUrlComponent, invalidPathText, invalidQueryText } from '../shared/url-text.ts';
import type { NakamaEndpoint } from './nakama-endpoints.ts';
import { makeRequest } from './node-request.ts';

export type { HttpHandler, HttpRequest, HttpResult } from '../api/http-types.ts';

/** A path's segments, `:name` ones being parameters. */
interface PathPattern {
  readonly parts: string[];
  /** Indexes of the `:param` segments of `parts`; the others must equal the request's. */
  readonly paramAt: number[];
}

interface Route extends PathPattern {
  method: string;
  name: string;
  handler: HttpHandler;
}

/**
 * A small method + path router for the JSON API. Path segments starting with `:` are parameters
 * (`/v2/channel/:channelId`). It owns the things every endpoint shares: CORS, body limits, JSON
 * parsing, the refusal of URLs and bodies that are not valid UTF-8, and Nakama-shaped errors
 * (`{"code": <grpc>, "message": "..."}`).
 */
export class HttpRouter {
  readonly #routes: Route[] = [];
  /** The routes by segment count, each list in registration order: a request scans only its own. */
  readonly #bySize = new Map<number, Route[]>();
  /** Endpoints answered with 501 when no mounted route serves them. */
  readonly #notServed: readonly (PathPattern & { method: string; name: string })[];
  readonly #maxBodyBytes: number;
  readonly #log: Logger;

  readonly #hooks: ApiHooks | undefined;
  readonly #caller: ApiCaller;
  readonly #node: string;
  readonly #meter: HttpMeter;

  constructor(opts: {
    maxBodyBytes: number;
    logger: Logger;
    /** Before/after hooks by API name (filled by game modules). */
    hooks?: ApiHooks;
    /** Who calls, for hook contexts (a session token check); nobody when absent. */
    caller?: ApiCaller;
    /** This node's name, for hook contexts. */
    node?: string;
    /**
     * Known endpoints this server may not serve (Nakama's API): a request that no mounted route
     * serves but that matches one of these is answered 501, gRPC code 12 (UNIMPLEMENTED), "not
     * supported by Tether: <name>", instead of 404.
     */
    notServed?: readonly NakamaEndpoint[];
    /** Counts error responses by gRPC code. */
    meter?: HttpMeter;
  }) {
    this.#maxBodyBytes = opts.maxBodyBytes;
    this.#log = opts.logger;
    this.#hooks = opts.hooks;
    this.#caller = opts.caller ?? (async () => undefined);
    this.#node = opts.node ?? '';
    this.#notServed = (opts.notServed ?? []).map(([method, path, name]) => ({
      method,
      ...pathPattern(path),
      name,
    }));
    this.#meter = opts.meter ?? NO_METERS.http;
  }

  /** Registers a handler. Later registrations of the same method and path are ignored. */
  on(method: string, path: string, handler: HttpHandler, name = `${method.toUpperCase()} ${path}`): this {
    const route: Route = { method: method.toUpperCase(), ...pathPattern(path), name, handler };
    this.#routes.push(route);
    const sameSize = this.#bySize.get(route.parts.length);
    if (sameSize) sameSize.push(route);
    else this.#bySize.set(route.parts.length, [route]);
    return this;
  }

  /** The API names of the mounted routes, each once. */
  apiNames(): string[] {
    return [...new Set(this.#routes.map((r) => r.name))];
  }

  /** Mounts the routes a feature declares. */
  mount(routes: readonly ApiRoute[]): this {
    for (const r of routes) this.on(r.method, r.path, r.handler, r.name);
    return this;
  }

  /** Handles one request. Resolves once the response is written; never rejects. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // CORS headers go out with each response's single writeHead (cheaper than setHeader first).
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS).end();
      return;
    }
    const url = parseRequestTarget(req.url ?? '/');
    // Refused rather than read with U+FFFD in place of bad escapes, which would make different
    // ids equal (`?payload=a%FF` and `?payload=a%FE`, `/v2/rpc/a%FF`).
    const badText = invalidPathText(url.pathname) ?? invalidQueryText(url.search);
    if (badText) {
      this.#meter.error(GrpcCode.INVALID_ARGUMENT);
      writeCorsError(res, new ApiError(GrpcCode.INVALID_ARGUMENT, badText));
      return;
    }
    const parts = split(url.pathname);
    let pathMatched = false;
    for (const route of this.#bySize.get(parts.length) ?? NO_ROUTES) {
      const params = matchPath(route, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      await this.#run(this.#withHooks(route), makeRequest(req, url, params, this.#maxBodyBytes), res);
      return;
    }
    const missing = this.#notServed.find((e) => e.method === req.method && matchPath(e, parts));
    const error = missing
      ? new ApiError(
          GrpcCode.UNIMPLEMENTED,
          `not supported by Tether: ${missing.name} (${req.method} ${url.pathname})`,
          { status: 501 },
        )
      : pathMatched
        ? new ApiError(GrpcCode.UNIMPLEMENTED, `Method ${req.method} not allowed`, { status: 405 })
        : new ApiError(GrpcCode.NOT_FOUND, 'Not Found');
    this.#meter.error(error.code);
    writeCorsError(res, error);
  }

  /** The route's handler, wrapped in its API hooks when a module registered some. */
  #withHooks(route: Route): HttpHandler {
    const hooks = this.#hooks?.size ? this.#hooks.get(route.name.toLowerCase()) : undefined;
    if (!hooks) return route.handler;
    return hookedHandler(hooks, route.handler, {
      api: route.name,
      node: this.#node,
      caller: this.#caller,
      onAfterError: (err) => this.#log.warn({ err, api: route.name }, 'after hook failed'),
    });
  }

  async #run(handler: HttpHandler, req: HttpRequest, res: ServerResponse): Promise<void> {
    try {
      const result = await handler(req);
      const status = result.status ?? 200;
      if (result.json !== undefined) {
        send(res, status, result.json.bytes, 'application/json', result.headers, true);
      } else if (result.text !== undefined) {
        send(res, status, result.text, 'text/plain; charset=utf-8', result.headers, true);
      } else if (result.body === undefined) {
        if (result.headers) {
          setCors(res);
          res.writeHead(status, result.headers).end();
        } else res.writeHead(status, CORS).end();
      } else {
        send(res, status, JSON.stringify(result.body), 'application/json', result.headers, true);
      }
    } catch (err) {
      const known = toApiError(err);
      if (known) {
        this.#meter.error(known.code);
        writeCorsError(res, known, known.status, retryAfter(err));
        return;
      }
      this.#log.error({ err, path: req.path }, 'unhandled error in HTTP handler');
      this.#meter.error(GrpcCode.INTERNAL);
      writeCorsError(res, new ApiError(GrpcCode.INTERNAL, 'Internal server error'));
    }
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0);
}

function pathPattern(path: string): PathPattern {
  const parts = split(path);
  return { parts, paramAt: parts.flatMap((p, i) => (p.startsWith(':') ? [i] : [])) };
}

/**
 * The parameters (URL-decoded) when `parts` match `pattern`, else null. The literal segments are
 * compared first, so a pattern that does not match allocates nothing.
 */
function matchPath(pattern: PathPattern, parts: string[]): Record<string, string> | null {
  const literal = pattern.parts;
  if (literal.length !== parts.length) return null;
  for (let i = 0; i < literal.length; i++) {
    const p = literal[i]!;
    if (p !== parts[i] && !p.startsWith(':')) return null;
  }
  if (pattern.paramAt.length === 0) return {};
  const params: Record<string, string> = {};
  for (const i of pattern.paramAt) {
    const decoded = decodeUrlComponent(parts[i]!);
    if (decoded === undefined) return null;
    params[literal[i]!.slice(1)] = decoded;
  }
  return params;
}

const NO_ROUTES: readonly Route[] = [];

/** The CORS headers of every response of the router (not of the draining server's own 503). */
const CORS: Readonly<Record<string, string>> = Object.freeze({
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, User-Agent',
  'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE, OPTIONS',
});

function setCors(res: ServerResponse): void {
  for (const name in CORS) res.setHeader(name, CORS[name]!);
}

/**
 * Writes a response with one `writeHead`: the CORS headers (when `cors`), `Content-Type`,
 * `Content-Length`, then `headers`, which win over the former as with `setHeader` (a handler's extra
 * headers take the setHeader path, whose names are case-insensitive).
 */
function send(
  res: ServerResponse,
  status: number,
  text: string | Buffer,
  contentType: string,
  headers: Record<string, string> | undefined,
  cors: boolean,
): void {
  const length = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (headers === undefined) {
    res.writeHead(
      status,
      cors
        ? { ...CORS, 'Content-Type': contentType, 'Content-Length': length }
        : { 'Content-Type': contentType, 'Content-Length': length },
    );
  } else {
    if (cors) setCors(res);
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': length, ...headers });
  }
  res.end(text);
}

/** Writes a JSON response. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  send(res, status, JSON.stringify(body), 'application/json', headers, false);
}

/** Writes Nakama's error body for an {@link ApiError}. */
export function writeError(
  res: ServerResponse,
  err: ApiError,
  status = err.status,
  headers?: Record<string, string>,
): void {
  writeErrorBody(res, err, status, headers, false);
}

/** {@link writeError} with the router's CORS headers. */
function writeCorsError(
  res: ServerResponse,
  err: ApiError,
  status = err.status,
  headers?: Record<string, string>,
): void {
  writeErrorBody(res, err, status, headers, true);
}

function writeErrorBody(
  res: ServerResponse,
  err: ApiError,
  status: number,
  headers: Record<string, string> | undefined,
  cors: boolean,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = { code: err.code, message: err.message, error: err.message };
  send(res, status, JSON.stringify(body), 'application/json', headers, cors);
}

/**
 * The one translation of service errors for HTTP: a {@link DomainError} becomes its gRPC code and
 * the status grpc-gateway maps it to; an {@link ApiError} (transport-level: body limits, JSON) is
 * already one. Anything else is a bug and is answered 500 by the caller.
 */
function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err instanceof DomainError) return new ApiError(GrpcCode[err.kind], err.message, { cause: err });
  return undefined;
}

function retryAfter(err: unknown): Record<string, string> | undefined {
  return err instanceof DomainError && err.retryAfterSec !== undefined
    ? { 'Retry-After': String(err.retryAfterSec) }
    : undefined;
}
