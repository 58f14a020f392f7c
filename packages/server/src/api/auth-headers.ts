import { timingSafeEqual } from 'node:crypto';
import { digestBytes } from '../shared/digest.ts';
import { unauthenticated } from '../shared/domain-error.ts';
import type { HttpRequest } from './http-types.ts';

/**
 * A secret (the server key, the HTTP key) that presented strings are compared with in constant
 * time. Its digest is computed once, so a comparison hashes only the presented side.
 */
export class Secret {
  readonly #digest: Buffer;

  constructor(secret: string) {
    this.#digest = digest(secret);
  }

  /** Whether `presented` is the secret; the time does not depend on where they differ, nor on the secret's length. */
  matches(presented: string): boolean {
    return timingSafeEqual(digest(presented), this.#digest);
  }
}

/**
 * Reads the server key from `Authorization: Basic base64("<server key>:")`, Nakama's scheme for the
 * authenticate and refresh endpoints (only the user part is checked; the password is ignored).
 * Returns whether it matches `expected`, compared in constant time; throws UNAUTHENTICATED
 * "Server key required" when there is no Basic header.
 */
export function serverKeyMatches(req: HttpRequest, expected: Secret): boolean {
  const header = req.headers.authorization;
  if (!header) throw unauthenticated('Server key required');
  const match = /^Basic\s+([A-Za-z0-9+/=]*)\s*$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return expected.matches(key);
}

/** The token of `Authorization: Bearer <token>`; throws UNAUTHENTICATED when absent or another scheme. */
export function bearerToken(req: HttpRequest): string {
  const header = req.headers.authorization;
  if (!header) throw unauthenticated('Auth token required');
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw unauthenticated('Auth token required: use "Authorization: Bearer <session token>"');
  return match[1]!;
}

/**
 * String equality whose time does not depend on where the strings differ: both sides are hashed
 * first, so lengths match and `timingSafeEqual` applies, and the length of the secret does not leak.
 * For a secret compared often, {@link Secret} hashes it once.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

function digest(s: string): Buffer {
  return digestBytes('sha256', s);
}
