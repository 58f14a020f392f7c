/**
 * The console's client for its admin API (`/v2/console/...` on the console's own port): a console
 * token kept in `sessionStorage` (so closing the tab logs out), JSON in and out, typed errors.
 */

/** An error answer of the admin API: HTTP status, gRPC code and the server's message. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'tether.console.token';

/** Query parameters; undefined and empty values are left out. */
export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

/** The admin API. One instance per page load, shared through `ApiContext`. */
export class ConsoleApi {
  #token: string | null;
  readonly #onLogout: () => void;

  /** `onLogout` runs when the login ends: logout, expiry, or any 401 answer. */
  constructor(onLogout: () => void) {
    this.#token = sessionStorage.getItem(TOKEN_KEY);
    this.#onLogout = onLogout;
  }

  /** Whether a console token is held (it may still have expired on the server). */
  get loggedIn(): boolean {
    return this.#token !== null;
  }

  /** Logs in and keeps the token; rejects with {@link ApiError} (401 wrong credentials, 429 locked out). */
  async login(username: string, password: string): Promise<void> {
    const res = await this.#request<{ token: string }>('POST', '/v2/console/authenticate', {
      username,
      password,
    });
    this.#token = res.token;
    sessionStorage.setItem(TOKEN_KEY, res.token);
  }

  /** Ends the login on the server and forgets the token. */
  async logout(): Promise<void> {
    try {
      await this.post('/v2/console/authenticate/logout', {});
    } finally {
      this.#forget();
    }
  }

  /** `GET path?query`, the JSON answer. */
  get<T>(path: string, query?: Query): Promise<T> {
    return this.#request<T>('GET', withQuery(path, query));
  }

  /** `POST path` with a JSON body. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('POST', path, body);
  }

  /** `PUT path` with a JSON body. */
  put<T>(path: string, body: unknown): Promise<T> {
    return this.#request<T>('PUT', path, body);
  }

  /** `DELETE path`. */
  del<T>(path: string): Promise<T> {
    return this.#request<T>('DELETE', path);
  }

  async #request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.#token) headers.Authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      json = { message: text };
    }
    if (!res.ok) {
      const err = json as { code?: number; message?: string };
      if (res.status === 401 && this.#token && !path.endsWith('/authenticate')) this.#forget();
      throw new ApiError(res.status, err.code, err.message ?? `${res.status} ${res.statusText}`);
    }
    return json as T;
  }

  #forget(): void {
    this.#token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    this.#onLogout();
  }
}

/** `/path/<a>/<b>` with each segment URI-encoded. */
export function path(...segments: readonly string[]): string {
  return segments.map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

function withQuery(p: string, query: Query | undefined): string {
  if (!query) return p;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${p}?${qs}` : p;
}
