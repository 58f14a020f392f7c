import type { IncomingMessage, ServerResponse } from 'node:http';
import { GrpcCode } from '@tether/protocol';
import type { Logger } from 'pino';
import { ApiError } from '../api/errors.ts';

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
export type HttpResult = { status?: number; body?: unknown; text?: string; headers?: Record<string, string> };
export type HttpHandler = (req: HttpRequest) => Promise<HttpResult> | HttpResult;

interface Route {
  method: string;
  parts: string[];
  handler: HttpHandler;
}

/**
 * A small method + path router for the JSON API. Path segments starting with `:` are parameters
 * (`/v2/channel/:channelId`). It owns the things every endpoint shares: CORS, body limits, JSON
 * parsing and Nakama-shaped errors (`{"code": <grpc>, "message": "..."}`).
 */
export class HttpRouter {
  readonly #routes: Route[] = [];
  readonly #maxBodyBytes: number;
  readonly #log: Logger;

  constructor(opts: { maxBodyBytes: number; logger: Logger }) {
    this.#maxBodyBytes = opts.maxBodyBytes;
    this.#log = opts.logger;
  }

  /** Registers a handler. Later registrations of the same method and path are ignored. */
  on(method: string, path: string, handler: HttpHandler): this {
    this.#routes.push({ method: method.toUpperCase(), parts: split(path), handler });
    return this;
  }

  /** Handles one request. Resolves once the response is written; never rejects. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    setCors(res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const parts = split(url.pathname);
    let pathMatched = false;
    for (const route of this.#routes) {
      const params = match(route.parts, parts);
      if (!params) continue;
      pathMatched = true;
      if (route.method !== req.method) continue;
      await this.#run(route.handler, makeRequest(req, url, params, this.#maxBodyBytes), res);
      return;
    }
    if (pathMatched)
      writeError(res, new ApiError(GrpcCode.UNIMPLEMENTED, `Method ${req.method} not allowed`), 405);
    else writeError(res, new ApiError(GrpcCode.NOT_FOUND, 'Not Found'));
  }

  async #run(handler: HttpHandler, req: HttpRequest, res: ServerResponse): Promise<void> {
    try {
      const result = await handler(req);
      const status = result.status ?? 200;
      if (result.text !== undefined) {
        res.writeHead(status, {
          'Content-Type': 'text/plain; charset=utf-8',
          'Content-Length': Buffer.byteLength(result.text),
          ...result.headers,
        });
        res.end(result.text);
      } else if (result.body === undefined) {
        res.writeHead(status, result.headers).end();
      } else {
        writeJson(res, status, result.body, result.headers);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        writeError(res, err);
        return;
      }
      this.#log.error({ err, path: req.path }, 'unhandled error in HTTP handler');
      writeError(res, new ApiError(GrpcCode.INTERNAL, 'Internal server error'));
    }
  }
}

function split(path: string): string[] {
  return path.split('/').filter((p) => p.length > 0);
}

function match(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const v = parts[i]!;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        return null;
      }
    } else if (p !== v) return null;
  }
  return params;
}

function makeRequest(
  req: IncomingMessage,
  url: URL,
  params: Record<string, string>,
  maxBodyBytes: number,
): HttpRequest {
  let body: Promise<string> | undefined;
  const text = () => {
    body ??= readBody(req, maxBodyBytes);
    return body;
  };
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    params,
    query: url.searchParams,
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress ?? '',
    text,
    async json() {
      const raw = await text();
      if (raw.trim() === '') return {};
      try {
        return JSON.parse(raw) as unknown;
      } catch (err) {
        throw new ApiError(GrpcCode.INVALID_ARGUMENT, `Malformed JSON body: ${(err as Error).message}`);
      }
    },
  };
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(
        new ApiError(
          GrpcCode.RESOURCE_EXHAUSTED,
          `Request body of ${declared} bytes exceeds the ${limit}-byte limit`,
          {
            status: 413,
          },
        ),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(
          new ApiError(GrpcCode.RESOURCE_EXHAUSTED, `Request body exceeds the ${limit}-byte limit`, {
            status: 413,
          }),
        );
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function setCors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, User-Agent');
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
}

/** Writes a JSON response. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Writes Nakama's error body for an {@link ApiError}. */
export function writeError(res: ServerResponse, err: ApiError, status = err.status): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  writeJson(res, status, { code: err.code, message: err.message, error: err.message });
}
