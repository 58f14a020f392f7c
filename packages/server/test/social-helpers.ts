/**
 * Helpers for the friends and groups integration tests: the Nakama error a nakama-js REST call
 * rejected with, and raw HTTP calls for what nakama-js cannot send or hides (exact wire shapes).
 */
import type { Session } from '@heroiclabs/nakama-js';
import type { TestServer } from './helpers.ts';
import { bearer, call, type RawResponse } from './http-client.ts';

/** HTTP status and Nakama's `{code, message}` body of a nakama-js REST call that must fail. */
export async function httpError(
  p: Promise<unknown>,
): Promise<{ status: number; code: number; message: string }> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  if (!(err instanceof Response)) throw err;
  const body = (await err.json()) as { code: number; message: string };
  return { status: err.status, code: body.code, message: body.message };
}

/** One raw request with the session's token. */
export function api(
  server: TestServer,
  session: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  return call(server.baseUrl, method, path, { auth: bearer(session.token), body });
}
