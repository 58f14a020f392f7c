import { bearerToken, Secret } from '../../api/auth-headers.ts';
import type { ApiRoute, HttpRequest, HttpResult } from '../../api/http-types.ts';
import type { SessionVerifier } from '../../session/verifier.ts';
import { invalid, unauthenticated } from '../../shared/domain-error.ts';
import type { RpcRegistry } from './rpc-registry.ts';
import type { RpcContext } from './rpc-types.ts';

/** What the RPC routes need. */
export interface RpcRoutesDeps {
  readonly rpc: RpcRegistry;
  readonly sessions: Pick<SessionVerifier, 'verifySessionToken'>;
  /** `config.httpKey`: authorises server-to-server calls with `?http_key=`. */
  readonly httpKey: string;
  readonly node: string;
}

/**
 * RPC over HTTP, as Nakama serves it:
 * - `POST /v2/rpc/{id}` with `Authorization: Bearer <session token>` (or `?http_key=`): the body is a
 *   JSON-encoded **string** (`"{\"a\":1}"`), which is what nakama-js `client.rpc` sends; with
 *   `?unwrap` the raw body is the payload and the raw result is the response.
 * - `GET /v2/rpc/{id}?payload=&http_key=` (or Bearer): the `payload` query parameter as is (nakama-js
 *   `client.rpcHttpKey`).
 *
 * The response is `{"id": "<id>", "payload": "<result>"}` (payload left out when empty). Errors: no
 * credentials or a wrong key 401, unknown id 404 "RPC function not found", a body that is not a JSON
 * string 400, a failing function 500 with its message (or the status of the gRPC `code` it set).
 */
export function rpcRoutes(deps: RpcRoutesDeps): ApiRoute[] {
  const httpKey = new Secret(deps.httpKey);
  const handler = (req: HttpRequest) => call(req, deps, httpKey);
  return [
    { method: 'POST', path: '/v2/rpc/:id', name: 'RpcFunc', handler },
    { method: 'GET', path: '/v2/rpc/:id', name: 'RpcFunc', handler },
  ];
}

async function call(req: HttpRequest, deps: RpcRoutesDeps, httpKey: Secret): Promise<HttpResult> {
  const id = req.params.id ?? '';
  const unwrap = req.query.has('unwrap');
  const ctx = await authenticate(req, deps, httpKey);
  const payload = req.method === 'POST' ? await bodyPayload(req, unwrap) : (req.query.get('payload') ?? '');
  const result = await deps.rpc.call(id, ctx, payload);
  if (unwrap) return { text: result };
  return { body: result === '' ? { id } : { id, payload: result } };
}

async function authenticate(req: HttpRequest, deps: RpcRoutesDeps, httpKey: Secret): Promise<RpcContext> {
  const base = {
    node: deps.node,
    clientIp: req.remoteAddress,
    queryParams: Object.fromEntries([...req.query].filter(([k]) => k !== 'http_key')),
  };
  const key = req.query.get('http_key');
  if (key !== null) {
    if (!httpKey.matches(key)) throw unauthenticated('HTTP key invalid');
    return { ...base, source: 'http_key', vars: {} };
  }
  if (!req.headers.authorization) throw unauthenticated('Auth token or HTTP key required');
  const caller = await deps.sessions.verifySessionToken(bearerToken(req));
  return {
    ...base,
    source: 'http',
    userId: caller.userId,
    username: caller.username,
    vars: caller.vars,
    expiry: caller.expiresAt,
  };
}

/** The POST body as the function's payload: a JSON string unwrapped, or raw with `?unwrap`. */
async function bodyPayload(req: HttpRequest, unwrap: boolean): Promise<string> {
  const text = await req.text();
  if (unwrap || text.trim() === '') return text;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== 'string') {
    throw invalid(
      'Invalid RPC payload: the body must be a JSON-encoded string (e.g. "{\\"a\\":1}"), or add ?unwrap to send it raw',
    );
  }
  return value;
}
