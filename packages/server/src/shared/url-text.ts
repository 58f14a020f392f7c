/**
 * Percent-decoding of URL parts that refuses escapes whose bytes are not UTF-8. `URLSearchParams`
 * turns them into U+FFFD, which makes different requests equal (`?id=a%FF` and `?id=a%FE` would
 * name the same thing); every reader of a request URL goes through these checks instead.
 *
 * @packageDocumentation
 */

/** A `%` that does not start an escape (`%zz`, a trailing `%`): kept as it is, as URLSearchParams does. */
const LONE_PERCENT = /%(?![0-9A-Fa-f]{2})/g;

/**
 * Percent-decodes one URL component (a path segment, or a query name or value whose `+` already
 * became a space) as `URLSearchParams` does (a `%` that does not start an escape stays as it is),
 * except that escapes whose bytes are not valid UTF-8 (a lone `%FF`, a broken sequence, an overlong
 * form, an encoded surrogate, a code point above U+10FFFF) give `undefined` instead of U+FFFD.
 */
export function decodeUrlComponent(component: string): string | undefined {
  if (!component.includes('%')) return component;
  try {
    return decodeURIComponent(component);
  } catch {
    // A `%` that starts no escape, or escapes that are not UTF-8: tell them apart.
  }
  const escaped = component.replace(LONE_PERCENT, '%25');
  if (escaped === component) return undefined;
  try {
    return decodeURIComponent(escaped);
  } catch {
    return undefined;
  }
}

/** Longest parameter name quoted in a refusal. */
const MAX_NAME_CHARS = 64;

/**
 * Checks a query string (`url.search`, with or without its `?`) before it is read with
 * `URLSearchParams`: the message to refuse the request with when a name or value has escapes that
 * are not valid UTF-8 (`Query parameter 'lang' is not valid UTF-8`), else `undefined`, and then
 * `URLSearchParams` reads every parameter exactly.
 */
export function invalidQueryText(search: string): string | undefined {
  if (!search.includes('%')) return undefined;
  // Separators and `+` are ASCII, so they never hide or make a bad sequence: the whole string is
  // valid exactly when every name and value is, and only a refusal needs the parameter's name.
  if (decodeUrlComponent(search) !== undefined) return undefined;
  const query = search.startsWith('?') ? search.slice(1) : search;
  for (const pair of query.split('&')) {
    if (!pair.includes('%')) continue;
    const eq = pair.indexOf('=');
    const name = decodeUrlComponent((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' '));
    if (name === undefined) return 'Query string is not valid UTF-8';
    if (eq >= 0 && decodeUrlComponent(pair.slice(eq + 1).replaceAll('+', ' ')) === undefined) {
      return `Query parameter '${name.slice(0, MAX_NAME_CHARS)}' is not valid UTF-8`;
    }
  }
  return 'Query string is not valid UTF-8';
}

/**
 * Checks a URL path (`url.pathname`) the same way: `Request path is not valid UTF-8` when one of its
 * segments has escapes that are not valid UTF-8, else `undefined`.
 */
export function invalidPathText(pathname: string): string | undefined {
  return decodeUrlComponent(pathname) === undefined ? 'Request path is not valid UTF-8' : undefined;
}
