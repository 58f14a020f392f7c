/** Helpers for the admin console tests: its base URL, a login, and calls with the console token. */
import type { TestServer } from './helpers.ts';
import { bearer, call, type RawResponse } from './http-client.ts';

/** `http://127.0.0.1:<console port>` of a test server. */
export function consoleUrl(server: TestServer): string {
  return `http://127.0.0.1:${server.console.port}`;
}

/** Logs in to the console (default credentials) and returns a caller bound to the token. */
export async function consoleLogin(server: TestServer, username = 'admin', password = 'password') {
  const r = await call(consoleUrl(server), 'POST', '/v2/console/authenticate', {
    body: { username, password },
  });
  if (r.status !== 200) throw new Error(`console login failed: ${r.status} ${JSON.stringify(r.body)}`);
  const token = r.body!.token as string;
  return {
    token,
    /** One admin API call with the console token. */
    call: (method: string, path: string, body?: unknown): Promise<RawResponse> =>
      call(consoleUrl(server), method, path, { auth: bearer(token), body }),
  };
}

/** Polls `probe` (every 20 ms, at most `timeoutMs`) until it returns something other than undefined. */
export async function eventually<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
