/**
 * The path and query of a request target, as `new URL(target, 'http://localhost')` reads them,
 * without building a URL for the common case.
 *
 * @packageDocumentation
 */

/** A request target's path (`pathname`) and query (`search`: `''` or `?` and at least one character). */
export interface RequestTarget {
  readonly pathname: string;
  readonly search: string;
}

/**
 * A target that `new URL` leaves exactly as it is: a path of letters, digits, `-`, `_`, `~` and `/`
 * (so no dot segment, escape or backslash) that does not start with `//` (which would name a host),
 * and a query of characters the URL parser never re-encodes, with no fragment.
 */
const PLAIN_TARGET = /^\/(?!\/)[A-Za-z0-9_~/-]*(?:\?[A-Za-z0-9_.~=&+,:@%-]*)?$/;

/**
 * The path and query of `target` (a request's `req.url`). Plain targets (see {@link PLAIN_TARGET};
 * every request of the Nakama clients' authentication calls) are split at their `?`, which is what
 * `new URL` would give (`?` with nothing after it gives an empty `search`, as a URL's does); any
 * other target goes through `new URL`, with its normalisation (dot segments, escapes, `\`).
 */
export function requestTarget(target: string): RequestTarget {
  if (!PLAIN_TARGET.test(target)) {
    const url = new URL(target, 'http://localhost');
    return { pathname: url.pathname, search: url.search };
  }
  const q = target.indexOf('?');
  if (q === -1) return { pathname: target, search: '' };
  return { pathname: target.slice(0, q), search: q === target.length - 1 ? '' : target.slice(q) };
}
