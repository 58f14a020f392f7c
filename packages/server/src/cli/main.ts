import { Command, Option } from 'commander';
import {
  ConfigError,
  type ConfigInput,
  envName,
  kebab,
  loadConfig,
  type TetherConfig,
} from '../config/config.ts';
import { startServer } from '../create-server.ts';
import { createLogger } from '../observability/logger.ts';

/** Flags of `tether serve`, each mirrored by a `TETHER_*` environment variable. */
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
  ['logLevel', '<level>', 'fatal|error|warn|info|debug|trace|silent (default info)'],
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
  ['storageMaxValueBytes', '<bytes>', 'largest storage object value, bytes of JSON (default 262144)'],
  ['gmMaxClients', '<n>', 'most GameMaker clients at once (default 1024)'],
  ['gmMaxMessageBytes', '<bytes>', 'largest GameMaker packet payload (default 4194304)'],
  ['shutdownGraceSec', '<sec>', 'seconds to wait for connections on shutdown (default 5)'],
  ['runtime', '<dir>', 'folder of game server modules (.ts/.js) to load'],
  ['matchMaxDataBytes', '<bytes>', 'largest match_data_send payload, decoded (default 65536)'],
  ['matchInputQueueSize', '<n>', 'authoritative match inputs queued per tick (default 128)'],
  ['matchShutdownGraceSec', '<sec>', 'grace period matchTerminate gets on shutdown (default 0)'],
  ['matchmakerIntervalMs', '<ms>', 'how often the matchmaker groups tickets (default 15000)'],
  ['matchmakerMaxIntervals', '<n>', 'intervals a ticket holds out for max_count (default 2)'],
  ['matchmakerMaxTickets', '<n>', 'matchmaker tickets per session or party (default 3)'],
  ['friendsMaxPerUser', '<n>', 'most friends plus sent invitations per user (default 1000)'],
];

/** Entry point of the `tether` command. */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('tether').description('Tether realtime game server').showHelpAfterError();
  const serve = program
    .command('serve')
    .description('run the server (embedded SQLite by default)')
    .option('--config <file>', `JSON config file (env ${'TETHER_CONFIG'})`)
    .option('--production', 'refuse default secrets (also NODE_ENV=production)');
  for (const [key, arg, help] of SERVE_FLAGS) {
    serve.addOption(new Option(`--${kebab(key)} ${arg}`, `${help} [env ${envName(key)}]`));
  }
  serve.action(async (opts: ConfigInput & { config?: string }) => {
    let config: TetherConfig;
    try {
      config = loadConfig(opts);
    } catch (err) {
      if (err instanceof ConfigError) {
        console.error(`tether: ${err.message}`);
        process.exitCode = 2;
        return;
      }
      throw err;
    }
    const logger = createLogger(config.logLevel);
    const shutdown = new AbortController();
    const server = await startServer(config, { logger, signal: shutdown.signal });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        logger.info({ signal: sig }, 'signal received');
        void server.close(`server shutting down (${sig})`).then(() => process.exit(0));
      });
    }
  });
  await program.parseAsync(argv);
}
