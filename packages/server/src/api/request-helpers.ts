import type { z } from 'zod';
import type { SessionVerifier, VerifiedSession } from '../session/verifier.ts';
import { invalid } from '../shared/domain-error.ts';
import { parseGoBool } from '../shared/go-bool.ts';
import { bearerToken } from './auth-headers.ts';
import { type HttpHandler, type HttpRequest, RenderedJson } from './http-types.ts';

/**
 * Shared pieces of the JSON routes of every feature: Bearer authentication and query parsing with
 * grpc-gateway's rules. Errors are thrown as `DomainError`s; the HTTP layer renders them.
 */

/** A handler that runs for a verified session and returns a JSON body. */
export type SessionHandler = (req: HttpRequest, caller: VerifiedSession) => Promise<unknown>;

/**
 * Wraps a handler that needs a session: checks `Authorization: Bearer <session token>` first
 * (UNAUTHENTICATED otherwise) and returns the handler's value as the JSON body (a {@link RenderedJson}
 * is sent as its bytes).
 */
export function withSession(
  sessions: Pick<SessionVerifier, 'verifySessionToken'>,
  fn: SessionHandler,
): HttpHandler {
  return async (req) => {
    const caller = await sessions.verifySessionToken(bearerToken(req));
    const out = await fn(req, caller);
    return out instanceof RenderedJson ? { json: out } : { body: out };
  };
}

/** An integer query parameter (an int32 wrapper in Nakama's API); `fallback` when absent or empty. */
export function intQuery(req: HttpRequest, name: string, fallback: number): number {
  const v = req.query.get(name);
  if (v === null || v === '') return fallback;
  if (!/^-?\d{1,10}$/.test(v)) {
    throw invalid(`Invalid query parameter '${name}': expected an integer, got '${v.slice(0, 32)}'.`);
  }
  return Number(v);
}

/**
 * A boolean query parameter as grpc-gateway parses it (Go's `strconv.ParseBool`); `fallback` when
 * absent or empty (pass `undefined` to tell "absent" apart).
 */
export function boolQuery<F extends boolean | undefined>(
  req: HttpRequest,
  name: string,
  fallback: F,
): boolean | F {
  const v = req.query.get(name);
  if (v === null || v === '') return fallback;
  const parsed = parseGoBool(v);
  if (parsed === undefined) {
    throw invalid(`Invalid query parameter '${name}': expected true or false, got '${v.slice(0, 32)}'.`);
  }
  return parsed;
}

/**
 * Reads the JSON body and checks it against `schema` (zod): a body that does not fit is refused with
 * INVALID_ARGUMENT naming the first field at fault ("Invalid request body: field 'objects.0.key': …").
 * `plain`, for a hot endpoint, reads a body of the usual shape without zod: it returns exactly what
 * `schema` would, or `undefined` to hand the body (and so any error) to `schema`.
 */
export async function jsonBody<T extends z.ZodType>(
  req: HttpRequest,
  schema: T,
  plain?: (json: unknown) => z.output<T> | undefined,
): Promise<z.output<T>> {
  const json = await req.json();
  const read = plain?.(json);
  if (read !== undefined) return read;
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `field '${issue.path.join('.')}'` : 'body';
  throw invalid(`Invalid request body: ${where}: ${issue?.message ?? 'invalid'}.`);
}
