import { z } from 'zod';
import { bearerToken, Secret, serverKeyMatches } from '../../api/auth-headers.ts';
import type { ApiRoute, HttpHandler, HttpRequest, HttpResult } from '../../api/http-types.ts';
import { boolQuery, jsonBody } from '../../api/request-helpers.ts';
import { unauthenticated } from '../../shared/domain-error.ts';
import type { AccountDeletion } from './account-deletion.ts';
import { accountJson, usersJson } from './account-json.ts';
import type { AccountLinks } from './account-links.ts';
import type { AccountService, AuthResult } from './account-service.ts';
import type { AuthThrottle } from './auth/rate-limiter.ts';
import type { SessionAuth, VerifiedSession } from './auth/session-auth.ts';

/** What the account routes need. */
export interface AccountRoutesDeps {
  readonly accounts: AccountService;
  readonly links: AccountLinks;
  readonly deletion: AccountDeletion;
  readonly sessions: SessionAuth;
  readonly throttle: AuthThrottle;
  readonly serverKey: string;
}

// Request bodies. Unknown fields are ignored and `null` means absent (both allowed by proto3 JSON);
// a wrong type is a 400 naming the field.
const str = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
const vars = z
  .record(z.string(), z.string())
  .nullish()
  .transform((v) => v ?? undefined);
/** The body of the device and custom-id authentications (`api.AccountDevice`, `api.AccountCustom`). */
export const IdBody = z.object({ id: str, vars });
type IdBodyOutput = z.output<typeof IdBody>;

/**
 * {@link IdBody}'s output for a body of the usual shape (an object whose `id` is absent, `null` or a
 * string and whose `vars` is absent or `null`), read without zod: what zod gives, key for key.
 * `undefined` leaves the body to zod (vars maps, wrong types, which it refuses naming the field).
 */
export function plainIdBody(json: unknown): IdBodyOutput | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const { id, vars: v } = json as { id?: unknown; vars?: unknown };
  if (v !== undefined && v !== null) return undefined;
  if (id !== undefined && id !== null && typeof id !== 'string') return undefined;
  const out: { id?: string | undefined; vars?: undefined } = {};
  if (id !== undefined) out.id = id ?? undefined;
  if (v !== undefined) out.vars = undefined;
  // Absent keys stay absent, as in zod's own output (whose type says `T | undefined`).
  return out as IdBodyOutput;
}
const EmailBody = z.object({ email: str, password: str, vars });
const RefreshBody = z.object({ token: str, vars });
const LinkBody = z.object({ id: str, email: str, password: str, vars });
const LogoutBody = z.object({ token: str, refresh_token: str });
/** The body of a profile change (`PUT /v2/account`, and the console's account editor). */
export const UpdateBody = z.object({
  username: str,
  display_name: str,
  avatar_url: str,
  lang_tag: str,
  location: str,
  timezone: str,
  metadata: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .nullish()
    .transform((v) => v ?? undefined),
});

/**
 * Nakama's account and session endpoints. Handlers only translate: parse and check the transport
 * parts (keys, tokens, JSON), call {@link AccountService} / {@link SessionAuth}, and render Nakama's
 * JSON. Domain errors become `{"code": <gRPC code>, "message": ...}` with the matching HTTP status.
 */
export function accountRoutes(deps: AccountRoutesDeps): ApiRoute[] {
  const { accounts, links, deletion, sessions, throttle } = deps;
  const serverKey = new Secret(deps.serverKey);

  /** Server-key endpoints: a locked-out address is refused first; a wrong key counts as a failure. */
  const requireServerKey = (req: HttpRequest) => {
    throttle.check(req.remoteAddress);
    if (!serverKeyMatches(req, serverKey)) {
      throttle.fail(req.remoteAddress);
      throw unauthenticated('Server key invalid');
    }
  };
  /**
   * The authenticate endpoints, with a Tether extension for clients that cannot set headers
   * (GDevelop's "Send a request to a web page"): without an Authorization header, the server key may
   * come as `?server_key=` or as `"server_key"` in the JSON body. Same comparison, same throttling.
   */
  const requireServerKeyOrParameter = async (req: HttpRequest) => {
    if (req.headers.authorization) {
      requireServerKey(req);
      return;
    }
    throttle.check(req.remoteAddress);
    const presented = req.query.get('server_key') ?? (await bodyServerKey(req));
    if (presented === undefined) throw unauthenticated('Server key required');
    if (!serverKey.matches(presented)) {
      throttle.fail(req.remoteAddress);
      throw unauthenticated('Server key invalid');
    }
  };
  const requireSession = (req: HttpRequest): Promise<VerifiedSession> =>
    sessions.verifySessionToken(bearerToken(req));
  const authOptions = (req: HttpRequest, v: Record<string, string> | undefined) => ({
    create: boolQuery(req, 'create', undefined),
    username: req.query.get('username') || undefined,
    vars: v,
    address: req.remoteAddress,
  });

  return [
    {
      method: 'POST',
      path: '/v2/account/authenticate/device',
      name: 'AuthenticateDevice',
      handler: handle(async (req) => {
        await requireServerKeyOrParameter(req);
        const body = await jsonBody(req, IdBody, plainIdBody);
        return sessionJson(await accounts.authenticateDevice(body.id, authOptions(req, body.vars)));
      }),
    },
    {
      method: 'POST',
      path: '/v2/account/authenticate/custom',
      name: 'AuthenticateCustom',
      handler: handle(async (req) => {
        await requireServerKeyOrParameter(req);
        const body = await jsonBody(req, IdBody, plainIdBody);
        return sessionJson(await accounts.authenticateCustom(body.id, authOptions(req, body.vars)));
      }),
    },
    {
      method: 'POST',
      path: '/v2/account/authenticate/email',
      name: 'AuthenticateEmail',
      handler: handle(async (req) => {
        await requireServerKeyOrParameter(req);
        const body = await jsonBody(req, EmailBody);
        return sessionJson(
          await accounts.authenticateEmail(body.email, body.password, authOptions(req, body.vars)),
        );
      }),
    },
    {
      method: 'POST',
      path: '/v2/account/session/refresh',
      name: 'SessionRefresh',
      handler: handle(async (req) => {
        requireServerKey(req);
        const body = await jsonBody(req, RefreshBody);
        return sessionJson({
          ...(await accounts.refreshSession(body.token, body.vars, req.remoteAddress)),
          created: false,
        });
      }),
    },
    {
      method: 'POST',
      path: '/v2/session/logout',
      name: 'SessionLogout',
      handler: handle(async (req) => {
        const caller = await requireSession(req);
        const body = await jsonBody(req, LogoutBody);
        await sessions.logout(caller, { token: body.token, refreshToken: body.refresh_token });
        return {};
      }),
    },
    {
      method: 'GET',
      path: '/v2/account',
      name: 'GetAccount',
      handler: handle(async (req) => accountJson(await accounts.getAccount(await requireSession(req)))),
    },
    {
      method: 'PUT',
      path: '/v2/account',
      name: 'UpdateAccount',
      handler: handle(async (req) => {
        const caller = await requireSession(req);
        const b = await jsonBody(req, UpdateBody);
        await accounts.updateAccount(caller, {
          username: b.username,
          displayName: b.display_name,
          avatarUrl: b.avatar_url,
          langTag: b.lang_tag,
          location: b.location,
          timezone: b.timezone,
          metadata: b.metadata,
        });
        return {};
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/account',
      name: 'DeleteAccount',
      handler: handle(async (req) => {
        const caller = await requireSession(req);
        await deletion.deleteAccount(caller.userId);
        return {};
      }),
    },
    ...linkRoutes(links, requireSession),
    {
      method: 'GET',
      path: '/v2/user',
      name: 'GetUsers',
      handler: handle(async (req) => {
        await requireSession(req);
        const ids = req.query.getAll('ids').filter((s) => s !== '');
        const usernames = req.query.getAll('usernames').filter((s) => s !== '');
        return usersJson(await accounts.getUsers(ids, usernames));
      }),
    },
  ];
}

/**
 * `POST /v2/account/link/{device,custom,email}` and `/v2/account/unlink/...`, with Nakama's bodies
 * (`AccountDevice`, `AccountCustom`, `AccountEmail`; their `vars` are ignored, as Nakama does).
 */
function linkRoutes(
  links: AccountLinks,
  requireSession: (req: HttpRequest) => Promise<VerifiedSession>,
): ApiRoute[] {
  const route = (
    path: string,
    name: string,
    run: (userId: string, body: z.output<typeof LinkBody>) => Promise<void>,
  ): ApiRoute => ({
    method: 'POST',
    path,
    name,
    handler: handle(async (req) => {
      const caller = await requireSession(req);
      await run(caller.userId, await jsonBody(req, LinkBody));
      return {};
    }),
  });
  return [
    route('/v2/account/link/device', 'LinkDevice', (u, b) => links.linkDevice(u, b.id)),
    route('/v2/account/link/custom', 'LinkCustom', (u, b) => links.linkCustom(u, b.id)),
    route('/v2/account/link/email', 'LinkEmail', (u, b) => links.linkEmail(u, b.email, b.password)),
    route('/v2/account/unlink/device', 'UnlinkDevice', (u, b) => links.unlinkDevice(u, b.id)),
    route('/v2/account/unlink/custom', 'UnlinkCustom', (u, b) => links.unlinkCustom(u, b.id)),
    route('/v2/account/unlink/email', 'UnlinkEmail', (u, b) => links.unlinkEmail(u, b.email)),
  ];
}

/** `api.Session`: `created` only when true (proto3 omits false). */
function sessionJson(r: AuthResult): Record<string, unknown> {
  return { ...(r.created ? { created: true } : {}), token: r.token, refresh_token: r.refreshToken };
}

/** Wraps a handler returning a JSON body (errors are rendered by the HTTP layer). */
function handle(fn: (req: HttpRequest) => Promise<Record<string, unknown>>): HttpHandler {
  return async (req): Promise<HttpResult> => ({ body: await fn(req) });
}

/** `"server_key"` of a JSON object body, if it has a string one (the body is read once and kept). */
async function bodyServerKey(req: HttpRequest): Promise<string | undefined> {
  const body = await req.json().catch(() => undefined);
  const key = (body as { server_key?: unknown } | undefined)?.server_key;
  return typeof key === 'string' ? key : undefined;
}
