/**
 * Hash routing: `#/accounts/<id>` is page `accounts` with parameters `[<id>]`. The server serves one
 * page at `/`, so any console URL can be bookmarked and reloaded.
 */
import { useEffect, useState } from 'preact/hooks';

/** The current route: the page id and the segments after it. */
export interface Route {
  readonly page: string;
  readonly params: readonly string[];
}

/** Parses `#/a/b/c` into `{ page: 'a', params: ['b', 'c'] }` (segments URI-decoded). */
export function parseHash(hash: string): Route {
  const parts = hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { page: parts[0] ?? '', params: parts.slice(1) };
}

/** The hash of a route: `href('accounts', id)` → `#/accounts/<id>`. */
export function href(page: string, ...params: readonly string[]): string {
  return `#/${[page, ...params].map(encodeURIComponent).join('/')}`;
}

/** Goes to a route. */
export function navigate(page: string, ...params: readonly string[]): void {
  location.hash = href(page, ...params);
}

/** The current route, updated on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
