/** Raw HTTP helpers for the account API tests (what nakama-js does, minus its conveniences). */

/** `Authorization: Basic base64("<key>:")`, Nakama's server-key header. */
export function basicAuth(key = 'defaultkey'): string {
  return `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
}

/** `Authorization: Bearer <token>`. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

/** A response's status, JSON body (or `null`) and headers. */
export interface RawResponse {
  readonly status: number;
  readonly body: Record<string, unknown> | null;
  readonly headers: Headers;
}

/**
 * Sends one request. `body` is JSON-encoded unless it is a string (sent as is, for malformed
 * input).
 */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  opts: { auth?: string; body?: unknown } = {},
): Promise<RawResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.auth) headers.authorization = opts.auth;
  const body =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const res = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await res.text();
  return {
    status: res.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    headers: res.headers,
  };
}

/** Authenticates a device (creating the account) and returns the session and refresh tokens. */
export async function deviceLogin(
  baseUrl: string,
  deviceId: string,
  query = '',
): Promise<{ token: string; refreshToken: string; created: boolean }> {
  const r = await call(baseUrl, 'POST', `/v2/account/authenticate/device${query}`, {
    auth: basicAuth(),
    body: { id: deviceId },
  });
  if (r.status !== 200) throw new Error(`device login failed: ${r.status} ${JSON.stringify(r.body)}`);
  return {
    token: r.body!.token as string,
    refreshToken: r.body!.refresh_token as string,
    created: r.body!.created === true,
  };
}

/** The claims of a JWT, decoded without checking anything. */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}
