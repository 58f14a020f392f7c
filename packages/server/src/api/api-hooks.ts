/**
 * Before and after hooks around HTTP API calls, by Nakama's API name (`AuthenticateDevice`,
 * `WriteStorageObjects`, ...): the HTTP layer runs them, game modules fill them through the runtime
 * (`registerApiBefore('AuthenticateDevice', fn)`).
 *
 * @packageDocumentation
 */
import { DomainError, ErrorKind, errorKindOfGrpc } from '../shared/domain-error.ts';
import { type HookPair, Hooks, lowerCaseName } from '../shared/hooks.ts';
import type { HttpHandler, HttpRequest, HttpResult } from './http-types.ts';

/** Who made a hooked API call. User fields are present when the call carried a valid session token. */
export interface ApiHookContext {
  readonly node: string;
  /** The API's name as routes declare it (`AuthenticateDevice`). */
  readonly api: string;
  readonly clientIp: string;
  readonly userId?: string;
  readonly username?: string;
  readonly vars?: Readonly<Record<string, string>>;
  /** Session token expiry, Unix seconds. */
  readonly expiry?: number;
}

/** The request as hooks see and change it: the JSON body (`{}` when empty) and the query parameters. */
export interface ApiHookRequest {
  readonly body: unknown;
  /** One value per parameter, or an array for a repeated one (`ids=a&ids=b`). */
  readonly query: Readonly<Record<string, string | readonly string[]>>;
}

/** Hooks by API name, compared case-insensitively. */
export type ApiHooks = Hooks<ApiHookContext, ApiHookRequest, unknown>;

/** An empty set of API hooks; the runtime fills it. */
export function createApiHooks(): ApiHooks {
  return new Hooks(lowerCaseName);
}

/** Finds who calls, for the hook context (a Bearer session token, when there is a valid one). */
export type ApiCaller = (
  req: HttpRequest,
) => Promise<
  { userId: string; username: string; vars: Readonly<Record<string, string>>; expiry: number } | undefined
>;

/**
 * Wraps a route's handler with its hooks: the before hook sees the parsed body and the query and
 * returns the request to run (or rejects it: null/undefined is PERMISSION_DENIED, a thrown error
 * keeps its gRPC code when it is a service error, else INTERNAL with its message); the handler runs
 * on what it returned; the after hook sees the response body and the request, and its failures are
 * only logged.
 */
export function hookedHandler(
  hooks: HookPair<ApiHookContext, ApiHookRequest, unknown>,
  handler: HttpHandler,
  deps: {
    readonly api: string;
    readonly node: string;
    readonly caller: ApiCaller;
    readonly onAfterError: (err: unknown) => void;
  },
): HttpHandler {
  return async (req): Promise<HttpResult> => {
    const who = await deps.caller(req).catch(() => undefined);
    const ctx: ApiHookContext = {
      node: deps.node,
      api: deps.api,
      clientIp: req.remoteAddress,
      ...(who ? { userId: who.userId, username: who.username, vars: who.vars, expiry: who.expiry } : {}),
    };
    const request: ApiHookRequest = { body: await bodyOf(req), query: queryRecord(req.query) };
    let run = request;
    let runReq = req;
    if (hooks.before) {
      let out: ApiHookRequest | null | undefined;
      try {
        out = await hooks.before(ctx, request);
      } catch (err) {
        throw hookFailure(err);
      }
      if (out === null || out === undefined || typeof out !== 'object') {
        throw new DomainError(ErrorKind.PERMISSION_DENIED, `${deps.api} rejected by a before hook`);
      }
      run = out;
      if (out !== request) runReq = rewritten(req, out);
    }
    const result = await handler(runReq);
    if (hooks.after) {
      try {
        await hooks.after(ctx, result.json ? result.json.body() : (result.body ?? result.text), run);
      } catch (err) {
        deps.onAfterError(err);
      }
    }
    return result;
  };
}

/**
 * A before hook's error as the caller gets it: a service error as it is; anything else with the gRPC
 * code in its numeric `code` property (as RPC functions do), else INTERNAL, and its message.
 */
function hookFailure(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const kind = typeof code === 'number' ? errorKindOfGrpc(code) : ErrorKind.INTERNAL;
  return new DomainError(kind, (err as Error)?.message || 'before hook failed', { cause: err });
}

/** The parsed JSON body, `{}` when empty, or the raw text when it is not JSON (RPC with `?unwrap`). */
async function bodyOf(req: HttpRequest): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function queryRecord(query: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(query.keys())) {
    const all = query.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** The request with the body and query a before hook returned. */
function rewritten(req: HttpRequest, to: ApiHookRequest): HttpRequest {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(to.query ?? {})) {
    for (const v of typeof value === 'string' ? [value] : value) query.append(key, String(v));
  }
  const text = typeof to.body === 'string' ? to.body : JSON.stringify(to.body ?? {});
  return { ...req, query, json: async () => to.body ?? {}, text: async () => text };
}
