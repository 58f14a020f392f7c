import { GrpcCode } from '@tether/protocol';
import { z } from 'zod';
import type { AccountService, AuthResult } from './account-service.ts';
import type { AuthThrottle } from './auth/rate-limiter.ts';
import type { SessionAuth, VerifiedSession } from './auth/session-auth.ts';
import { DomainError, type ErrorKind, invalid, unauthenticated } from '../../shared/domain-error.ts';
import { accountJson, usersJson } from './account-json.ts';
import { bearerToken, serverKeyMatches } from '../../api/auth-headers.ts';
import type { HttpHandler, HttpRequest, HttpResult, HttpRouter } from '../../http/router.ts';

/** What the account routes need. */
export interface AccountRoutesDeps {
  readonly accounts: AccountService;
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
const IdBody = z.object({ id: str, vars });
const EmailBody = z.object({ email: str, password: str, vars });
const RefreshBody = z.object({ token: str, vars });
const LogoutBody = z.object({ token: str, refresh_token: str });
const UpdateBody = z.object({
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
export function registerAccountRoutes(router: HttpRouter, deps: AccountRoutesDeps): void {
  const { accounts, sessions, throttle } = deps;

  /** Server-key endpoints: a locked-out address is refused first; a wrong key counts as a failure. */
  const requireServerKey = (req: HttpRequest) => {
    throttle.check(req.remoteAddress);
    if (!serverKeyMatches(req, deps.serverKey)) {
      throttle.fail(req.remoteAddress);
      throw unauthenticated('Server key invalid');
    }
  };
  const requireSession = (req: HttpRequest): Promise<VerifiedSession> =>
    sessions.verifySessionToken(bearerToken(req));
  const authOptions = (req: HttpRequest, v: Record<string, string> | undefined) => ({
    create: boolQuery(req, 'create'),
    username: req.query.get('username') || undefined,
    vars: v,
    address: req.remoteAddress,
  });

  router.on(
    'POST',
    '/v2/account/authenticate/device',
    handle(async (req) => {
      requireServerKey(req);
      const body = await parseBody(req, IdBody);
      return sessionJson(await accounts.authenticateDevice(body.id, authOptions(req, body.vars)));
    }),
  );
  router.on(
    'POST',
    '/v2/account/authenticate/custom',
    handle(async (req) => {
      requireServerKey(req);
      const body = await parseBody(req, IdBody);
      return sessionJson(await accounts.authenticateCustom(body.id, authOptions(req, body.vars)));
    }),
  );
  router.on(
    'POST',
    '/v2/account/authenticate/email',
    handle(async (req) => {
      requireServerKey(req);
      const body = await parseBody(req, EmailBody);
      return sessionJson(
        await accounts.authenticateEmail(body.email, body.password, authOptions(req, body.vars)),
      );
    }),
  );
  router.on(
    'POST',
    '/v2/account/session/refresh',
    handle(async (req) => {
      requireServerKey(req);
      const body = await parseBody(req, RefreshBody);
      return sessionJson({
        ...(await accounts.refreshSession(body.token, body.vars, req.remoteAddress)),
        created: false,
      });
    }),
  );
  router.on(
    'POST',
    '/v2/session/logout',
    handle(async (req) => {
      const caller = await requireSession(req);
      const body = await parseBody(req, LogoutBody);
      await sessions.logout(caller, { token: body.token, refreshToken: body.refresh_token });
      return {};
    }),
  );
  router.on(
    'GET',
    '/v2/account',
    handle(async (req) => accountJson(await accounts.getAccount(await requireSession(req)))),
  );
  router.on(
    'PUT',
    '/v2/account',
    handle(async (req) => {
      const caller = await requireSession(req);
      const b = await parseBody(req, UpdateBody);
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
  );
  router.on(
    'GET',
    '/v2/user',
    handle(async (req) => {
      await requireSession(req);
      const ids = req.query.getAll('ids').filter((s) => s !== '');
      const usernames = req.query.getAll('usernames').filter((s) => s !== '');
      return usersJson(await accounts.getUsers(ids, usernames));
    }),
  );
}

/** `api.Session`: `created` only when true (proto3 omits false). */
function sessionJson(r: AuthResult): Record<string, unknown> {
  return { ...(r.created ? { created: true } : {}), token: r.token, refresh_token: r.refreshToken };
}

/** Wraps a handler returning a JSON body; turns {@link DomainError}s into Nakama error responses. */
function handle(fn: (req: HttpRequest) => Promise<Record<string, unknown>>): HttpHandler {
  return async (req): Promise<HttpResult> => {
    try {
      return { body: await fn(req) };
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const code = GrpcCode[err.kind];
      return {
        status: STATUS[err.kind],
        body: { code, message: err.message, error: err.message },
        headers: err.retryAfterSec === undefined ? undefined : { 'Retry-After': String(err.retryAfterSec) },
      };
    }
  };
}

/** HTTP status per error kind, as grpc-gateway maps the gRPC codes. */
const STATUS: Record<ErrorKind, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  INTERNAL: 500,
};

async function parseBody<T extends z.ZodType>(req: HttpRequest, schema: T): Promise<z.output<T>> {
  const raw = await req.json();
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `field '${issue.path.join('.')}'` : 'body';
  throw invalid(`Invalid request body: ${where}: ${issue?.message ?? 'invalid'}.`);
}

/** A boolean query parameter as grpc-gateway parses it (Go's `strconv.ParseBool`); absent → undefined. */
function boolQuery(req: HttpRequest, name: string): boolean | undefined {
  const v = req.query.get(name);
  if (v === null || v === '') return undefined;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw invalid(`Invalid query parameter '${name}': expected true or false, got '${v.slice(0, 32)}'.`);
}
