/**
 * The {@link HttpRequest} handlers see, over a `node:http` request: the bounded, UTF-8-checked body
 * read once, on demand.
 *
 * @packageDocumentation
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { GrpcCode } from '@tether/protocol';
import { ApiError } from '../api/errors.ts';
import type { HttpRequest } from '../api/http-types.ts';
import { clientAddressOf } from '../shared/client-address.ts';
import type { RequestTarget } from '../shared/request-target.ts';

/** The request handlers see; its body is read (at most `maxBodyBytes`) when first asked for. */
export function makeRequest(
  req: IncomingMessage,
  url: RequestTarget,
  params: Record<string, string>,
  maxBodyBytes: number,
): HttpRequest {
  return new NodeRequest(req, url, params, maxBodyBytes);
}

/**
 * One request as handlers see it. A class rather than an object of closures: its methods are made
 * once, not per request. Its fields are own and enumerable (hooks copy them with a spread).
 */
class NodeRequest implements HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Record<string, string>;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly remoteAddress: string;
  readonly #req: IncomingMessage;
  readonly #maxBodyBytes: number;
  #body: Promise<string> | undefined;

  constructor(
    req: IncomingMessage,
    url: RequestTarget,
    params: Record<string, string>,
    maxBodyBytes: number,
  ) {
    this.method = req.method ?? 'GET';
    this.path = url.pathname;
    this.params = params;
    this.query = new URLSearchParams(url.search);
    this.headers = req.headers;
    this.remoteAddress = clientAddressOf(req);
    this.#req = req;
    this.#maxBodyBytes = maxBodyBytes;
  }

  text(): Promise<string> {
    this.#body ??= readBody(this.#req, this.#maxBodyBytes);
    return this.#body;
  }

  async json(): Promise<unknown> {
    const raw = await this.text();
    if (raw.trim() === '') return {};
    try {
      return JSON.parse(raw) as unknown;
    } catch (err) {
      throw new ApiError(GrpcCode.INVALID_ARGUMENT, `Malformed JSON body: ${(err as Error).message}`);
    }
  }
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
    req.on('end', () => {
      // Refused rather than decoded with U+FFFD in place of bad bytes, which would make different
      // bodies equal (two device ids ending in FF and FE would name one account).
      const bytes = Buffer.concat(chunks);
      if (isUtf8(bytes)) resolve(bytes.toString('utf8'));
      else reject(new ApiError(GrpcCode.INVALID_ARGUMENT, 'Request body is not valid UTF-8'));
    });
    req.on('error', reject);
  });
}
