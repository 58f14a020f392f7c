import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';
import { TrustedProxies } from '../shared/client-address.ts';

/** Development defaults for secrets. `--production` refuses to start while any of these is in use. */
export const DEV_SECRETS = {
  serverKey: 'defaultkey',
  httpKey: 'defaulthttpkey',
  sessionEncryptionKey: 'defaultencryptionkey',
  refreshEncryptionKey: 'defaultrefreshencryptionkey',
  // Not secret by itself, but the default pair is the first thing anyone tries on an open console.
  consoleUsername: 'admin',
  consolePassword: 'password',
} as const;

const port = z.coerce.number().int().min(0).max(65535);

/**
 * This machine's host name as a node name: characters other than letters, digits, `_` and `-`
 * become `-` (node names appear in match ids, `<uuid>.<node>`, so they can hold no dot).
 */
export function defaultNodeName(): string {
  const name = hostname()
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .slice(0, 64);
  return name === '' ? 'tether' : name;
}
const positiveInt = z.coerce.number().int().positive();
/** A limit where 0 means "no limit". */
const limit = z.coerce.number().int().min(0);
const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1'),
]);

/**
 * Every setting of `tether serve`, with its default. Flags, environment variables (`TETHER_*`) and a
 * JSON config file all produce this shape; see {@link loadConfig} for precedence.
 */
export const ConfigSchema = z
  .object({
    host: z.string().default('0.0.0.0'),
    /** This node's name: in presences, authoritative match ids and (cluster mode) the node registry. */
    node: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"')
      .default(defaultNodeName),
    /** HTTP API, Nakama `/ws` socket and the GameMaker WebSocket carrier `/gm`. */
    port: port.default(7350),
    /** GameMaker TCP carrier (handshake + 12-byte framing). */
    gmPort: port.default(7353),
    /** Admin console (web app, its API under `/v2/console`) and Prometheus `/metrics`. */
    consolePort: port.default(7351),
    /** Admin console login name. */
    consoleUsername: z
      .string()
      .regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 printable ASCII characters without spaces')
      .default(DEV_SECRETS.consoleUsername),
    /** Admin console password. */
    consolePassword: z.string().min(1).max(1024).default(DEV_SECRETS.consolePassword),
    /** Lifetime of an admin console login. */
    consoleTokenExpirySec: positiveInt.default(12 * 3600),
    /** Folder for the embedded SQLite database. */
    data: z.string().default('./data'),
    /** `sqlite` (default: a file under `data`) or a `postgres://` URL. */
    database: z
      .string()
      .refine((v) => v === 'sqlite' || /^postgres(ql)?:\/\//.test(v), {
        message: 'must be "sqlite" or a postgres:// (postgresql://) connection URL',
      })
      .default('sqlite'),
    /** PostgreSQL schema for Tether's tables (created if missing); the server's search_path when unset. */
    databaseSchema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier ([a-z_][a-z0-9_]*, at most 63)')
      .optional(),
    /** Most PostgreSQL connections in the pool. */
    databasePoolSize: positiveInt.default(10),
    /**
     * SQLite durability: `normal` fsyncs the WAL at checkpoints only (a power loss may roll back the
     * last commits, never corrupt the file); `full` fsyncs every commit (docs/database.md).
     */
    sqliteSynchronous: z.enum(['normal', 'full']).default('normal'),
    /**
     * SQLite: bytes of the database file read through a memory map (`PRAGMA mmap_size`; 0 = off;
     * unset: the database port's default, 1 GiB). Address space, not memory; reads skip a system
     * call and a copy per page (docs/database.md).
     */
    sqliteMmapBytes: z.coerce.number().int().min(0).optional(),
    /**
     * Keep V8's allocation-site pretenuring (`true`); by default Tether turns it off for the process
     * at start, which keeps per-message garbage young under load (src/v8-tuning.ts).
     */
    v8AllocationSitePretenuring: bool.default(false),
    production: bool.default(false),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** `tether serve`'s logs: `pretty` for people, `json` lines for machines, `auto` = pretty on a terminal. */
    logFormat: z.enum(['auto', 'pretty', 'json']).default('auto'),
    serverKey: z.string().min(1).default(DEV_SECRETS.serverKey),
    httpKey: z.string().min(1).default(DEV_SECRETS.httpKey),
    sessionEncryptionKey: z.string().min(1).default(DEV_SECRETS.sessionEncryptionKey),
    refreshEncryptionKey: z.string().min(1).default(DEV_SECRETS.refreshEncryptionKey),
    /** Session token lifetime. Nakama's 60 s default makes every REST call refresh; one hour is practical. */
    tokenExpirySec: positiveInt.default(3600),
    refreshTokenExpirySec: positiveInt.default(30 * 24 * 3600),
    /** Argon2id memory per password hash, KiB (OWASP's 19 MiB; see docs/accounts.md). */
    passwordHashMemoryKib: z.coerce.number().int().min(1024).default(19_456),
    /** Argon2id passes per password hash. */
    passwordHashTimeCost: positiveInt.default(2),
    /** Failed authentications (wrong server key, password or refresh token) allowed per address per window. */
    authFailuresPerAddress: positiveInt.default(30),
    /** Failed password attempts allowed per account (email) per window. */
    authFailuresPerAccount: positiveInt.default(10),
    /** Length of the failed-authentication window, counted from the first failure. */
    authFailureWindowSec: positiveInt.default(900),
    /** Most addresses and accounts the failure counters remember (bounds their memory). */
    authFailureTrackedKeys: positiveInt.default(100_000),
    /**
     * How long a session found not revoked is trusted before its revocation is read again, ms (0:
     * every authenticated request reads it). While it is on, the session of a user with no revocation
     * stored is not read at all (docs/accounts.md). Single node only: cluster mode always reads.
     */
    revocationCacheMs: z.coerce.number().int().min(0).max(60_000).default(1000),
    /** Largest HTTP request body accepted. */
    maxRequestBytes: positiveInt.default(256 * 1024),
    /** Storage objects: largest value, in UTF-8 bytes of its JSON text (client and server writes). */
    storageMaxValueBytes: positiveInt.default(256 * 1024),
    /** GameMaker carriers: clients above this are refused with a reason. */
    gmMaxClients: positiveInt.default(1024),
    /** Largest GameMaker packet payload accepted (GameMaker's own default for accepted sockets). */
    gmMaxMessageBytes: positiveInt.default(4 * 1024 * 1024),
    /**
     * GameMaker carriers: connections one address may hold at once (TCP and `/gm` together, counted
     * from accept, before the handshake); 0 = no limit. IPv6 addresses are counted by /64.
     */
    gmMaxClientsPerAddress: limit.default(32),
    /** GameMaker carriers: connections still in the handshake or before `authenticate`, all addresses; 0 = no limit. */
    gmMaxUnauthenticated: limit.default(256),
    /** GameMaker carriers: of one address's connections, how many may be unauthenticated at once; 0 = no limit. */
    gmMaxUnauthenticatedPerAddress: limit.default(8),
    /**
     * GameMaker carriers: bytes a connection may send before it has authenticated (handshake, framing
     * and envelopes together); no packet may be larger until then. `gmMaxMessageBytes` applies after.
     */
    gmPreAuthMaxBytes: positiveInt.default(16 * 1024),
    /**
     * GameMaker TCP behind a layer-4 proxy or load balancer (HAProxy `send-proxy`, nginx `stream`
     * with `proxy_protocol on`, AWS NLB): every connection to `gmPort` must begin with a PROXY
     * protocol header (version 1 or 2), and the client address in it counts for per-address limits
     * and hooks when the connection comes from one of `trustedProxies`. Needs `trustedProxies`.
     */
    gmProxyProtocol: bool.default(false),
    /** `/ws`: connections one address may hold at once (counted from the upgrade request); 0 = no limit. */
    socketMaxConnectionsPerAddress: limit.default(256),
    /**
     * Reverse proxies (comma-separated addresses and CIDR ranges) whose `X-Forwarded-For` names the
     * client of an HTTP request, `/ws` or `/gm` upgrade: per-address limits, throttles and hooks then
     * see the player's address instead of the proxy's. Empty: every client is its TCP peer.
     */
    trustedProxies: z
      .string()
      .default('')
      .superRefine((v, ctx) => {
        try {
          TrustedProxies.parse(v);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
    /** Realtime socket: largest inbound envelope in bytes (Nakama's default is 4096; larger is friendlier). */
    socketMaxMessageBytes: positiveInt.default(64 * 1024),
    /** Realtime socket: sustained messages per second per session before "rate limit exceeded". */
    socketRatePerSecond: positiveInt.default(200),
    /** Realtime socket: burst allowance above the sustained rate. */
    socketRateBurst: positiveInt.default(400),
    /** Realtime socket: messages waiting behind a slow handler before the session is closed. */
    socketMaxPendingMessages: positiveInt.default(256),
    /** Realtime socket: messages one session may have queued in one event-loop turn. */
    socketMaxQueuedMessages: positiveInt.default(1024),
    /** Realtime socket: unsent bytes one session may hold before it is closed as a slow consumer. */
    socketMaxBufferedBytes: positiveInt.default(4 * 1024 * 1024),
    /**
     * Realtime socket: protocol-level ping period (Nakama: 15 s). A session silent this long gets a
     * WebSocket ping; must be shorter than `socketPongWaitMs`. Servers holding many idle sockets may
     * raise both (docs/protocol.md, "Liveness of idle sockets").
     */
    socketPingPeriodMs: positiveInt.default(15_000),
    /** Realtime socket: close a session that sent nothing (not even a pong) for this long (Nakama: 25 s). */
    socketPongWaitMs: positiveInt.default(25_000),
    /**
     * Realtime TCP sockets (`/ws`, GameMaker TCP and `/gm`): the kernel's TCP keepalive probes a
     * connection silent this long (ms, whole seconds; 0 = off). The probes cost the server process
     * nothing; a peer that stopped answering them is closed by the kernel (1006).
     */
    socketKeepAliveMs: z.coerce
      .number()
      .int()
      .refine((v) => v === 0 || (v >= 1000 && v <= 32_767_000), {
        message: 'must be 0 (off) or 1000-32767000 ms (the kernel counts whole seconds)',
      })
      .default(15_000),
    /** GameMaker carriers: time from accept to a successful `authenticate` (the handshake included). */
    socketAuthTimeoutMs: positiveInt.default(5_000),
    /** Close realtime sockets (4001 "token expired") when their session token expires; off like Nakama. */
    socketCloseOnTokenExpiry: bool.default(false),
    /**
     * Session resume (Tether extension): seconds a resumable session whose connection broke is held,
     * presences and all, for its client to resume it; 0 turns resume off.
     */
    sessionResumeGraceSec: z.coerce.number().int().min(0).max(3600).default(15),
    /** Session resume: most envelopes a resumable session keeps for a replay. */
    sessionResumeBufferMessages: positiveInt.default(1000),
    /** Session resume: most bytes (UTF-8 JSON) a resumable session keeps for a replay. */
    sessionResumeBufferBytes: positiveInt.default(256 * 1024),
    /** Session resume: most sessions of one user held at once (one more releases the oldest). */
    sessionResumeMaxHeldPerUser: positiveInt.default(4),
    /** Folder of game server modules (`.ts`, `.mts`, `.cts`, `.js`, `.mjs`, `.cjs`), loaded at start (docs/runtime.md). */
    runtime: z.string().min(1).optional(),
    /** Reload the runtime modules when their files change (development). */
    runtimeWatch: bool.default(false),
    /** Matches: largest decoded `match_data_send` payload in bytes; larger sends get BAD_INPUT. */
    matchMaxDataBytes: positiveInt.default(64 * 1024),
    /** Authoritative matches: inputs queued per match per tick; more are dropped (Nakama: 128). */
    matchInputQueueSize: positiveInt.default(128),
    /** Authoritative matches: seconds `matchTerminate` may keep a match running on shutdown (Nakama: 0). */
    matchShutdownGraceSec: z.coerce.number().min(0).default(0),
    /** Matchmaker: how often waiting tickets are grouped into matches (Nakama: 15 s). */
    matchmakerIntervalMs: positiveInt.default(15_000),
    /** Matchmaker: intervals a ticket holds out for `max_count` before accepting `min_count` (Nakama: 2). */
    matchmakerMaxIntervals: positiveInt.default(2),
    /** Matchmaker: tickets one session, or one party, may hold at once (Nakama: 3). */
    matchmakerMaxTickets: positiveInt.default(3),
    /** Matchmaker: tickets in the whole pool; adding more fails until some match or are removed. */
    matchmakerMaxPoolTickets: positiveInt.default(100_000),
    /** Parties on this server; creating more fails until some close. */
    partyMaxParties: positiveInt.default(100_000),
    /** Parties one session may be a member of at once. */
    partyMaxPerSession: positiveInt.default(16),
    /** How often empty parties and join requests of departed sessions are cleaned up (Nakama: 30 s). */
    partyIdleCheckIntervalMs: positiveInt.default(30_000),
    /** Friends: most friends plus sent invitations one user may have; more adds are refused. */
    friendsMaxPerUser: positiveInt.default(1000),
    /**
     * Seconds to wait on SIGINT/SIGTERM: first for socket requests in flight to finish and send their
     * replies, then for HTTP connections to close before forcing them.
     */
    shutdownGraceSec: z.coerce.number().min(0).default(5),
    /**
     * Cluster mode: the `redis://` (or `rediss://`) URL of the Redis every node shares (docs/cluster.md).
     * Unset: a single node.
     */
    cluster: z
      .string()
      .refine((v) => /^rediss?:\/\//.test(v), { message: 'must be a redis:// (or rediss://) URL' })
      .optional(),
    /** Cluster mode: prefix of every Redis key and channel, so several clusters can share one Redis. */
    clusterPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits, "_", ".", ":" or "-"')
      .default('tether'),
    /** Cluster mode: how often a node refreshes its heartbeat and checks the others'. */
    clusterHeartbeatMs: z.coerce.number().int().min(50).max(10_000).default(1000),
    /**
     * Cluster mode: a node whose heartbeat is older than this is dead (its presences are dropped).
     * At least three heartbeats.
     */
    clusterNodeTimeoutMs: z.coerce.number().int().min(150).max(60_000).default(5000),
    /** Cluster mode: how long a call to another node (a remote match join, a party operation) may take. */
    clusterRequestTimeoutMs: positiveInt.default(5000),
    /**
     * Cluster mode: least time between two writes to the bus (ms). Under load, messages of a few
     * turns then share one Redis command; at most this much latency is added to cross-node messages.
     */
    clusterBusFlushMs: z.coerce.number().int().min(0).max(50).default(5),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.socketPongWaitMs <= c.socketPingPeriodMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['socketPongWaitMs'],
        message: `must be longer than socketPingPeriodMs (${c.socketPingPeriodMs}): a silent session gets its ping before it is given up on, and the pong needs time to come back (Nakama refuses the reverse too)`,
      });
    }
    if (c.gmProxyProtocol && c.trustedProxies.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        path: ['gmProxyProtocol'],
        message:
          'needs trustedProxies (--trusted-proxies, TETHER_TRUSTED_PROXIES): the proxies whose PROXY headers name the client',
      });
    }
    if (c.cluster !== undefined && c.database === 'sqlite') {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster'],
        message: CLUSTER_NEEDS_POSTGRES,
      });
    }
    if (c.clusterNodeTimeoutMs < 3 * c.clusterHeartbeatMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['clusterNodeTimeoutMs'],
        message: `must be at least three heartbeats (3 x clusterHeartbeatMs = ${3 * c.clusterHeartbeatMs})`,
      });
    }
  });

/** Why cluster mode refuses the SQLite default: said at start (docs/cluster.md). */
export const CLUSTER_NEEDS_POSTGRES =
  'cluster mode needs a shared PostgreSQL database (--database postgres://...): with SQLite each node ' +
  'would keep its own file, so accounts, sessions, chat history and notifications would differ from one node to the next';

/** The resolved server configuration. */
export type TetherConfig = z.infer<typeof ConfigSchema>;
/** Partial settings as they come from one source (flags, environment, file). */
export type ConfigInput = Partial<Record<keyof TetherConfig, unknown>>;

/** Environment variable for each setting: `gmPort` → `TETHER_GM_PORT`. */
export function envName(key: keyof TetherConfig): string {
  return `TETHER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Thrown for an unusable configuration; the message names every bad setting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Resolves the configuration. Precedence, highest first: explicit flags, `TETHER_*` environment
 * variables, the JSON file named by `--config` / `TETHER_CONFIG`, defaults.
 * `NODE_ENV=production` implies `production: true`.
 */
export function loadConfig(
  flags: ConfigInput & { config?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): TetherConfig {
  const keys = Object.keys(ConfigSchema.shape) as (keyof TetherConfig)[];
  const fromEnv: ConfigInput = {};
  for (const key of keys) {
    const value = env[envName(key)];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  if (env.NODE_ENV === 'production' && fromEnv.production === undefined) fromEnv.production = true;

  const file = flags.config ?? env.TETHER_CONFIG;
  let fromFile: ConfigInput = {};
  if (file) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as ConfigInput;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  const { config: _ignored, ...flagValues } = flags;
  const merged = { ...fromFile, ...fromEnv, ...dropUndefined(flagValues) };
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  assertProductionSafe(parsed.data);
  return parsed.data;
}

/** In production, refuse the development secrets: anyone could mint tokens with them. */
export function assertProductionSafe(config: TetherConfig): void {
  if (!config.production) return;
  const weak = (Object.keys(DEV_SECRETS) as (keyof typeof DEV_SECRETS)[]).filter(
    (k) => config[k] === DEV_SECRETS[k],
  );
  if (weak.length > 0) {
    throw new ConfigError(
      `refusing to start in production with default secrets: set ${weak.map((k) => `${envName(k)} (--${kebab(k)})`).join(', ')}`,
    );
  }
}

/** One problem, named as the user sets it: `port (--port, TETHER_PORT): expected a number`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown setting${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (settings are the camelCase names of the flags in tether serve --help)`;
  }
  const key = String(issue.path[0] ?? '');
  const where = key ? `${key} (--${kebab(key)}, ${envName(key as keyof TetherConfig)})` : '(root)';
  return `${where}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

function dropUndefined(input: Record<string, unknown>): ConfigInput {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as ConfigInput;
}

/** `gmPort` → `gm-port`. */
export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
