import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import {
  ConfigError,
  type ConfigInput,
  envName,
  kebab,
  loadConfig,
  type TetherConfig,
} from '../config/config.ts';
import type { RunningServer } from '../create-server.ts';
import { createCliLogger, type Logger, resolveLogFormat } from '../observability/logger.ts';
import { bannerText, startupSummary } from './banner.ts';
import { InitError, initProject } from './init.ts';
import { describeStartupError } from './startup-errors.ts';

/**
 * Flags of `tether serve`, each mirrored by a `TETHER_*` environment variable. Every setting of the
 * configuration has one (a test checks `--help` against the schema); an empty argument makes a
 * switch (`--runtime-watch`).
 */
const SERVE_FLAGS: [keyof TetherConfig, string, string][] = [
  ['host', '<host>', 'interface to bind (default 0.0.0.0)'],
  ['node', '<name>', "this node's name, in presences and match ids (default: the host name)"],
  ['port', '<port>', 'HTTP API, Nakama /ws socket and GameMaker WebSocket /gm (default 7350)'],
  ['gmPort', '<port>', 'GameMaker TCP carrier; 0 picks a free port (default 7353)'],
  ['consolePort', '<port>', 'admin console and Prometheus /metrics; 0 picks a free port (default 7351)'],
  ['consoleUsername', '<name>', 'admin console login (default admin; refused with --production)'],
  ['consolePassword', '<password>', 'admin console password (default password; refused with --production)'],
  ['consoleTokenExpirySec', '<sec>', 'admin console login lifetime (default 43200)'],
  ['data', '<dir>', 'folder for the embedded SQLite database (default ./data)'],
  ['database', '<url>', '"sqlite" (default) or a postgres:// URL'],
  ['databaseSchema', '<name>', 'PostgreSQL schema for the tables (created if missing)'],
  ['databasePoolSize', '<n>', 'most PostgreSQL connections (default 10)'],
  [
    'sqliteSynchronous',
    '<level>',
    'normal|full: fsync SQLite at checkpoints or every commit (default normal)',
  ],
  ['sqliteMmapBytes', '<bytes>', 'SQLite file bytes read through a memory map; 0 = off (default 1073741824)'],
  [
    'v8AllocationSitePretenuring',
    '',
    "keep V8's allocation-site pretenuring (by default it is turned off at start; docs/architecture.md)",
  ],
  ['logLevel', '<level>', 'fatal|error|warn|info|debug|trace|silent (default info)'],
  ['logFormat', '<format>', 'auto|pretty|json: pretty on a terminal, JSON lines otherwise (default auto)'],
  ['serverKey', '<key>', 'server key for HTTP Basic auth on authenticate/refresh (default defaultkey)'],
  ['httpKey', '<key>', 'key for server-to-server RPC over HTTP (default defaulthttpkey)'],
  ['sessionEncryptionKey', '<key>', 'HS256 key for session tokens'],
  ['refreshEncryptionKey', '<key>', 'HS256 key for refresh tokens'],
  ['tokenExpirySec', '<sec>', 'session token lifetime (default 3600)'],
  ['refreshTokenExpirySec', '<sec>', 'refresh token lifetime (default 2592000)'],
  ['passwordHashMemoryKib', '<kib>', 'Argon2id memory per password hash (default 19456)'],
  ['passwordHashTimeCost', '<n>', 'Argon2id passes per password hash (default 2)'],
  ['authFailuresPerAddress', '<n>', 'failed authentications per address per window (default 30)'],
  ['authFailuresPerAccount', '<n>', 'failed password attempts per account per window (default 10)'],
  ['authFailureWindowSec', '<sec>', 'failed-authentication window (default 900)'],
  ['authFailureTrackedKeys', '<n>', 'addresses/accounts the failure counters remember (default 100000)'],
  [
    'revocationCacheMs',
    '<ms>',
    'trust a session found not revoked this long before reading again; 0 = always read; single node only (default 1000)',
  ],
  ['storageMaxValueBytes', '<bytes>', 'largest storage object value, bytes of JSON (default 262144)'],
  ['maxRequestBytes', '<bytes>', 'largest HTTP request body (default 262144)'],
  ['socketMaxMessageBytes', '<bytes>', 'largest inbound realtime envelope (default 65536)'],
  ['socketRatePerSecond', '<n>', 'sustained realtime messages per second per session (default 200)'],
  ['socketRateBurst', '<n>', 'burst of realtime messages above the sustained rate (default 400)'],
  ['socketMaxPendingMessages', '<n>', 'messages waiting behind a slow handler before closing (default 256)'],
  ['socketMaxQueuedMessages', '<n>', 'outgoing messages per session per event-loop turn (default 1024)'],
  ['socketMaxBufferedBytes', '<bytes>', 'unsent bytes per session before it is closed (default 4194304)'],
  ['socketPingPeriodMs', '<ms>', 'realtime socket ping period, below socketPongWaitMs (default 15000)'],
  ['socketPongWaitMs', '<ms>', 'close a session silent for this long (default 25000)'],
  [
    'socketKeepAliveMs',
    '<ms>',
    'kernel TCP keepalive probes after this much silence on realtime sockets; 0: off (default 15000)',
  ],
  ['socketAuthTimeoutMs', '<ms>', 'GameMaker: accept to authenticated, handshake included (default 5000)'],
  ['socketCloseOnTokenExpiry', '', 'close realtime sockets when their session token expires'],
  [
    'sessionResumeGraceSec',
    '<sec>',
    'hold a broken resumable session this long for a resume; 0: off (default 15)',
  ],
  ['sessionResumeBufferMessages', '<n>', 'envelopes a resumable session keeps for a replay (default 1000)'],
  ['sessionResumeBufferBytes', '<bytes>', 'bytes a resumable session keeps for a replay (default 262144)'],
  ['sessionResumeMaxHeldPerUser', '<n>', 'sessions of one user held at once for a resume (default 4)'],
  ['gmMaxClients', '<n>', 'most GameMaker clients at once (default 1024)'],
  ['gmMaxMessageBytes', '<bytes>', 'largest GameMaker packet payload (default 4194304)'],
  [
    'gmMaxClientsPerAddress',
    '<n>',
    'GameMaker connections per client address, from accept; 0 = no limit (default 32)',
  ],
  [
    'gmMaxUnauthenticated',
    '<n>',
    'GameMaker connections not yet authenticated, in all; 0 = no limit (default 256)',
  ],
  ['gmMaxUnauthenticatedPerAddress', '<n>', 'of those, per client address; 0 = no limit (default 8)'],
  [
    'gmPreAuthMaxBytes',
    '<bytes>',
    'bytes a GameMaker connection may send before it authenticates (default 16384)',
  ],
  [
    'gmProxyProtocol',
    '',
    'GameMaker TCP connections start with a PROXY protocol header (v1 or v2) from a trusted proxy',
  ],
  ['socketMaxConnectionsPerAddress', '<n>', '/ws connections per client address; 0 = no limit (default 256)'],
  [
    'trustedProxies',
    '<list>',
    'reverse proxies (addresses, CIDR ranges) whose X-Forwarded-For names the client (default none)',
  ],
  ['shutdownGraceSec', '<sec>', 'seconds to wait on shutdown for requests in flight (default 5)'],
  ['runtime', '<dir>', 'folder of game server modules (.ts .mts .cts .js .mjs .cjs) to load'],
  ['runtimeWatch', '', 'reload the runtime modules when their files change (development)'],
  ['matchMaxDataBytes', '<bytes>', 'largest match_data_send payload, decoded (default 65536)'],
  ['matchInputQueueSize', '<n>', 'authoritative match inputs queued per tick (default 128)'],
  ['matchShutdownGraceSec', '<sec>', 'grace period matchTerminate gets on shutdown (default 0)'],
  ['matchmakerIntervalMs', '<ms>', 'how often the matchmaker groups tickets (default 15000)'],
  ['matchmakerMaxIntervals', '<n>', 'intervals a ticket holds out for max_count (default 2)'],
  ['matchmakerMaxTickets', '<n>', 'matchmaker tickets per session or party (default 3)'],
  ['matchmakerMaxPoolTickets', '<n>', 'matchmaker tickets in the whole pool (default 100000)'],
  ['partyMaxParties', '<n>', 'parties on this server (default 100000)'],
  ['partyMaxPerSession', '<n>', 'parties one session may belong to (default 16)'],
  ['partyIdleCheckIntervalMs', '<ms>', 'how often empty parties are cleaned up (default 30000)'],
  ['friendsMaxPerUser', '<n>', 'most friends plus sent invitations per user (default 1000)'],
  ['cluster', '<url>', 'cluster mode: the redis:// URL every node shares (needs --database postgres://)'],
  ['clusterPrefix', '<prefix>', 'cluster mode: prefix of Redis keys and channels (default tether)'],
  ['clusterHeartbeatMs', '<ms>', 'cluster mode: heartbeat period (default 1000)'],
  ['clusterNodeTimeoutMs', '<ms>', 'cluster mode: a node silent this long is dead (default 5000)'],
  ['clusterRequestTimeoutMs', '<ms>', 'cluster mode: longest wait for another node to answer (default 5000)'],
  ['clusterBusFlushMs', '<ms>', 'cluster mode: least time between two writes to the bus (default 5)'],
];

/** This package's version, from its package.json (the same path from `src/` and `dist/`). */
function packageVersion(): string {
  return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
}

/** Ends the command with one line on stderr and exit code 1. */
function fail(message: string): void {
  process.stderr.write(`tether: ${message}\n`);
  process.exitCode = 1;
}

/**
 * Entry point of the `tether` command. Mistakes (an unknown flag, a bad value, an unreadable config
 * file, a busy port, a broken module) end it with one line on stderr and exit code 1.
 */
export async function main(argv: string[]): Promise<void> {
  const version = packageVersion();
  const program = new Command('tether')
    .description('Tether realtime game server')
    .version(version, '-v, --version', 'print the version')
    .exitOverride()
    // Commander's own error text is replaced by one line below.
    .configureOutput({ outputError: () => {} });
  const serve = program
    .command('serve')
    .description('run the server (embedded SQLite by default)')
    .option(
      '--config <file>',
      `JSON config file with any of these settings, camelCase keys (env ${'TETHER_CONFIG'})`,
    )
    .option('--production', 'refuse default secrets (also NODE_ENV=production)');
  for (const [key, arg, help] of SERVE_FLAGS) {
    serve.addOption(new Option(`--${kebab(key)}${arg ? ` ${arg}` : ''}`, `${help} [env ${envName(key)}]`));
  }
  serve.action((opts: ConfigInput & { config?: string }) => serveCommand(opts, version));
  program
    .command('init')
    .argument('<dir>', 'folder to create the project in (created if missing; existing files are kept)')
    .description('create a starter game project: a server module, a browser page, package.json, tsconfig')
    .action((dir: string) => initCommand(dir, version));
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.exitCode === 0) return; // --help, --version
    const hint = argv.includes('serve') ? 'tether serve --help' : 'tether --help';
    fail(`${err.message.replace(/^error: /, '').replace(/\n/g, ' ')} (see ${hint})`);
  }
}

function initCommand(dir: string, version: string): void {
  let written: string[];
  try {
    written = initProject(dir, version);
  } catch (err) {
    if (!(err instanceof InitError)) throw err;
    fail(err.message);
    return;
  }
  process.stdout.write(
    [
      `Created ${dir}: ${written.join(', ')}`,
      '',
      'Next:',
      `  cd ${/\s/.test(dir) ? JSON.stringify(dir) : dir}`,
      '  npm install',
      '  npm start            # the server, reloading modules/ when you edit them',
      '  npm run client       # the page, on http://localhost:8080',
      '',
    ].join('\n'),
  );
}

async function serveCommand(opts: ConfigInput & { config?: string }, version: string): Promise<void> {
  let config: TetherConfig;
  try {
    config = loadConfig(opts);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    fail(err.message);
    return;
  }
  const format = resolveLogFormat(config.logFormat, process.stdout.isTTY === true);
  const logger = createCliLogger(config.logLevel, format, process.stdout.isTTY === true);
  const shutdown = new AbortController();
  let server: RunningServer;
  try {
    // Loaded here, not at the top, so --help, --version and flag mistakes answer at once.
    const { startServer } = await import('../create-server.ts');
    server = await startServer(config, { logger, signal: shutdown.signal });
  } catch (err) {
    logger.debug({ err }, 'start failed');
    fail(describeStartupError(err, config));
    return;
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      logger.info({ signal: sig }, 'signal received');
      void server.close(`server shutting down (${sig})`).then(() => process.exit(0));
    });
  }
  announce(server, logger, format === 'pretty', version);
}

/** The start-up banner: a block of text on a terminal, one JSON log line otherwise. */
function announce(server: RunningServer, logger: Logger, pretty: boolean, version: string): void {
  const summary = startupSummary({
    version,
    config: server.config,
    httpPort: server.http.port,
    gmPort: server.gm?.port ?? null,
    consolePort: server.console.port,
  });
  if (pretty) process.stdout.write(`${bannerText(summary, server.config.host)}\n`);
  else logger.info(summary, 'tether started');
}
