/**
 * The console pages that belong to no single feature: status, configuration, runtime, and a user's
 * live sessions.
 *
 * @packageDocumentation
 */
import { CloseCode } from '@tether/protocol';
import type { ApiRoute } from '../api/http-types.ts';
import type { TetherConfig } from '../config/config.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { SessionRegistry } from '../session/registry.ts';
import type { Session } from '../session/session.ts';
import { DomainError, ErrorKind } from '../shared/domain-error.ts';
import type { StatusSampler } from './status-sampler.ts';

/** What game modules registered, for the runtime page. */
export interface RuntimeInfo {
  readonly modules: readonly string[];
  readonly rpcIds: readonly string[];
  readonly matchHandlers: readonly string[];
  readonly socketHooks: readonly { name: string; before: boolean; after: boolean }[];
  readonly apiHooks: readonly { name: string; before: boolean; after: boolean }[];
  readonly matchmakerHook: boolean;
}

/** Where the core pages read from; the composition root supplies it. */
export interface ConsoleSources {
  readonly config: TetherConfig;
  readonly metrics: Metrics;
  /** Which backend stores the data (`sqlite`, `postgres`). */
  readonly database: string;
  /** The bound address of the public HTTP/WebSocket listener (`host:port`). */
  readonly address: string;
  /** When the server started, Unix ms. */
  readonly startedAt: number;
  matchCounts(): { authoritative: number; relayed: number };
  runtime(): RuntimeInfo;
  readonly sessions: SessionRegistry;
  /** The carrier (`ws`, `gm-tcp`, `gm-ws`) of an open session. */
  carrierOf(session: Session): string | undefined;
}

/** Shown instead of a secret's value. */
export const REDACTED = '(redacted)';

/**
 * The configuration as the console shows it: every setting, with secrets (any setting whose name
 * says key, password or secret) replaced by {@link REDACTED}, and the password of a database URL
 * removed. New secret settings are covered as long as their names say what they are.
 */
export function redactedConfig(config: TetherConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(config)) {
    if (/key|password|secret|token$/i.test(name) && typeof value === 'string') out[name] = REDACTED;
    else if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value))
      out[name] = redactUrl(value);
    else out[name] = value;
  }
  return out;
}

function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = REDACTED;
    return url.toString();
  } catch {
    return REDACTED;
  }
}

/** The console's own pages: status (with `sampler`'s history), configuration, runtime and live sessions. */
export function consoleCoreRoutes(src: ConsoleSources, sampler: StatusSampler): ApiRoute[] {
  return [
    {
      method: 'GET',
      path: '/v2/console/status',
      name: 'ConsoleStatus',
      handler: () => ({ body: status(src, sampler) }),
    },
    {
      method: 'GET',
      path: '/v2/console/config',
      name: 'ConsoleConfig',
      handler: () => ({ body: { config: redactedConfig(src.config) } }),
    },
    {
      method: 'GET',
      path: '/v2/console/runtime',
      name: 'ConsoleRuntime',
      handler: () => {
        const r = src.runtime();
        return {
          body: {
            modules: r.modules,
            rpc_ids: r.rpcIds,
            match_handlers: r.matchHandlers,
            socket_hooks: r.socketHooks,
            api_hooks: r.apiHooks,
            matchmaker_hook: r.matchmakerHook,
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/v2/console/account/:userId/session',
      name: 'ConsoleListUserSessions',
      handler: (req) => ({
        body: {
          sessions: src.sessions
            .byUser((req.params.userId ?? '').toLowerCase())
            .map((s) => sessionJson(src, s)),
        },
      }),
    },
    {
      method: 'DELETE',
      path: '/v2/console/session/:sessionId',
      name: 'ConsoleDisconnectSession',
      handler: (req) => {
        const session = src.sessions.get(req.params.sessionId ?? '');
        if (!session) throw new DomainError(ErrorKind.NOT_FOUND, 'No such session on this node.');
        session.close(CloseCode.NORMAL, 'disconnected by an administrator');
        return { body: {} };
      },
    },
  ];
}

function status(src: ConsoleSources, sampler: StatusSampler): Record<string, unknown> {
  const traffic = src.metrics.traffic();
  const memory = process.memoryUsage();
  const samples = sampler.samples();
  const latest = samples[samples.length - 1];
  const now = Date.now();
  return {
    nodes: [
      {
        name: src.config.node,
        address: src.address,
        database: src.database,
        node_version: process.version,
        pid: process.pid,
        started_at: new Date(src.startedAt).toISOString(),
        uptime_sec: Math.round((now - src.startedAt) / 1000),
        sessions: src.sessions.size,
        sessions_by_carrier: traffic.sessions,
        matches: src.matchCounts(),
        messages: {
          in_total: traffic.messagesIn,
          out_total: traffic.messagesOut,
          in_per_sec: latest?.inPerSec ?? 0,
          out_per_sec: latest?.outPerSec ?? 0,
        },
        bytes: { in_total: traffic.bytesIn, out_total: traffic.bytesOut },
        memory: {
          rss: memory.rss,
          heap_used: memory.heapUsed,
          heap_total: memory.heapTotal,
          external: memory.external,
        },
      },
    ],
    samples,
  };
}

function sessionJson(src: ConsoleSources, s: Session): Record<string, unknown> {
  return {
    session_id: s.id,
    user_id: s.userId,
    username: s.username,
    carrier: src.carrierOf(s) ?? s.carrier.format,
    format: s.carrier.format,
    remote_address: s.carrier.remoteAddress,
    connected_at: new Date(s.connectedAt).toISOString(),
    expires_at: new Date(s.identity.expiresAt * 1000).toISOString(),
    lang: s.identity.lang,
  };
}
