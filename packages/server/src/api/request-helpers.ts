import { GrpcCode } from '@tether/protocol';
import type { SessionAuth, VerifiedSession } from '../features/accounts/auth/session-auth.ts';
import { DomainError, invalid } from '../shared/domain-error.ts';
import { bearerToken } from './auth-headers.ts';
import { ApiError } from './errors.ts';
import type { HttpHandler, HttpRequest } from '../http/router.ts';

/**
 * Shared pieces of the session-authenticated JSON routes of realtime features (chat history,
 * notifications): Bearer authentication, query parsing with grpc-gateway's rules, and domain errors
 * turned into Nakama's error responses.
 */

/** A handler that runs for a verified session and returns a JSON body. */
export type SessionHandler = (req: HttpRequest, caller: VerifiedSession) => Promise<unknown>;

/**
 * Wraps a handler: checks `Authorization: Bearer <session token>` first (401 otherwise), and maps a
 * {@link DomainError} to the {@link ApiError} with its gRPC code, which the router renders.
 */
export function withSession(
  sessions: Pick<SessionAuth, 'verifySessionToken'>,
  fn: SessionHandler,
): HttpHandler {
  return async (req) => {
    try {
      const caller = await sessions.verifySessionToken(bearerToken(req));
      return { body: await fn(req, caller) };
    } catch (err) {
      if (err instanceof DomainError) throw new ApiError(GrpcCode[err.kind], err.message, { cause: err });
      throw err;
    }
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

/** A boolean query parameter as grpc-gateway parses it (Go's `strconv.ParseBool`); `fallback` when absent. */
export function boolQuery(req: HttpRequest, name: string, fallback: boolean): boolean {
  const v = req.query.get(name);
  if (v === null || v === '') return fallback;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw invalid(`Invalid query parameter '${name}': expected true or false, got '${v.slice(0, 32)}'.`);
}
