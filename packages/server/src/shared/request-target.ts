/**
 * The path and query of an HTTP request target (`req.url`), read once for a WebSocket upgrade: what
 * `new URL(target, 'http://localhost')` gives, without building a `URL` for the plain targets
 * clients send (`/ws?lang=en&status=false&token=…`). The upgrade dispatch used to parse each target
 * twice (the path, then the query in the endpoint), about 2 % of the server's CPU per socket opened.
 *
 * @packageDocumentation
 */
import { decodeUrlComponent } from './url-text.ts';

/** What an upgrade handler reads of its request target. */
export interface RequestTarget {
  /** As `URL.pathname`. */
  readonly pathname: string;
  /** As `URL.search`: the query with its `?`, or `''` when there is none or it is empty. */
  readonly search: string;
  /** The query's parameters, read as `URLSearchParams` reads them. */
  readonly searchParams: QueryParams;
}

/** The part of `URLSearchParams` a handler uses. */
export interface QueryParams {
  /** The first value of `name` (`+` and escapes decoded), or null when it is absent. */
  get(name: string): string | null;
}

/**
 * A path of unreserved characters and `/`, not starting with `//` (which `URL` reads as a host): the
 * same as its `URL.pathname`, since there is nothing to encode, decode or resolve (no `.`, `%` or `\`).
 */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9_~/-]*$/;
/**
 * A query of printable ASCII without the characters `URL` percent-encodes in a query (`"`, `'`,
 * `<`, `>`) and `#` (a fragment): the same as its `URL.search` (without the `?`). Tabs, newlines
 * and spaces, which `URL` removes or encodes, are not printable, so they are not in it either.
 */
const PLAIN_QUERY = /^[\x21\x24-\x26\x28-\x3b\x3d\x3f-\x7e]*$/;

/**
 * The path and query of `target` (a request's `req.url`): by hand when both are plain (see
 * {@link PLAIN_PATH}, {@link PLAIN_QUERY}), else through `URL`. Either way the result is what
 * `new URL(target, 'http://localhost')` has for `pathname`, `search` and `searchParams.get`.
 */
export function parseRequestTarget(target: string): RequestTarget {
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  const query = q < 0 ? '' : target.slice(q + 1);
  if (!PLAIN_PATH.test(path) || !PLAIN_QUERY.test(query)) return new URL(target, 'http://localhost');
  return new PlainTarget(path, query);
}

/** A plain target; its parameters are read on first use. */
class PlainTarget implements RequestTarget {
  readonly pathname: string;
  readonly #query: string;
  #params: QueryParams | undefined = undefined;

  constructor(pathname: string, query: string) {
    this.pathname = pathname;
    this.#query = query;
  }

  get search(): string {
    return this.#query === '' ? '' : `?${this.#query}`;
  }

  get searchParams(): QueryParams {
    this.#params ??= parseQuery(this.#query);
    return this.#params;
  }
}

/**
 * A plain query's parameters as `URLSearchParams` reads them (`&`-separated, the name up to the
 * first `=`, `+` a space, escapes decoded as UTF-8), the first value of each name kept. A name or
 * value whose escapes are not UTF-8 (which `URLSearchParams` turns into U+FFFD) hands the whole
 * query to `URLSearchParams`.
 */
function parseQuery(query: string): QueryParams {
  const params = new Map<string, string>();
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeUrlComponent((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
    const value = eq < 0 ? '' : decodeUrlComponent(pair.slice(eq + 1).replaceAll('+', ' '));
    // The `?` keeps a query that starts with one whole: the constructor drops one leading `?`.
    if (name === undefined || value === undefined) return new URLSearchParams(`?${query}`);
    if (!params.has(name)) params.set(name, value);
  }
  return { get: (name) => params.get(name) ?? null };
}
