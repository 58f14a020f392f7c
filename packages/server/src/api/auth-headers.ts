import { createHash, timingSafeEqual } from 'node:crypto';
import { unauthenticated } from '../shared/domain-error.ts';
import type { HttpRequest } from './http-types.ts';

/**
 * Reads the server key from `Authorization: Basic base64("<server key>:")`, Nakama's scheme for the
 * authenticate and refresh endpoints (only the user part is checked; the password is ignored).
 * Returns whether it matches `expected`, compared in constant time; throws UNAUTHENTICATED
 * "Server key required" when there is no Basic header.
 */
export function serverKeyMatches(req: HttpRequest, expected: string): boolean {
  const header = req.headers.authorization;
  if (!header) throw unauthenticated('Server key required');
  const match = /^Basic\s+([A-Za-z0-9+/=]*)\s*$/i.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(0, colon);
  return constantTimeEqual(key, expected);
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
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
