/**
 * What `tether serve` says once it is ready: where each endpoint is, where the data goes, whether
 * development keys are in use, and how to stop it. Pretty logs get a block of text for people; JSON
 * logs get the same facts as one log line for machines.
 *
 * @packageDocumentation
 */
import { resolve } from 'node:path';
import { DEV_SECRETS, envName, kebab, type TetherConfig } from '../config/config.ts';

/** The facts the banner shows. */
export interface StartupFacts {
  readonly version: string;
  readonly config: TetherConfig;
  /** The bound HTTP port (differs from the setting with `--port 0`). */
  readonly httpPort: number;
  /** The bound GameMaker TCP port. */
  readonly gmPort: number | null;
  /** The bound admin console port. */
  readonly consolePort?: number | undefined;
}

/** The banner's facts as fields of one JSON log line. */
export interface StartupSummary {
  readonly version: string;
  readonly node: string;
  readonly http: string;
  readonly socket: string;
  readonly gmWebSocket: string;
  readonly gmTcp: string | null;
  readonly console?: string;
  readonly database: string;
  readonly runtime?: string;
  readonly runtimeWatch?: boolean;
  /** Settings still at their development default (anyone can mint tokens with those). */
  readonly defaultKeys: (keyof typeof DEV_SECRETS)[];
}

/** The settings still at their public development value. */
export function defaultKeysInUse(config: TetherConfig): (keyof typeof DEV_SECRETS)[] {
  return (Object.keys(DEV_SECRETS) as (keyof typeof DEV_SECRETS)[]).filter(
    (k) => config[k] === DEV_SECRETS[k],
  );
}

/** A host to put in a URL: a wildcard bind is reached as localhost on this machine. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/** A database URL without its password. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}

/** The banner's facts, computed once for both forms. */
export function startupSummary(facts: StartupFacts): StartupSummary {
  const { config } = facts;
  const host = urlHost(config.host);
  const base = `${host}:${facts.httpPort}`;
  return {
    version: facts.version,
    node: config.node,
    http: `http://${base}`,
    socket: `ws://${base}/ws`,
    gmWebSocket: `ws://${base}/gm`,
    gmTcp: facts.gmPort === null ? null : `${host}:${facts.gmPort}`,
    ...(facts.consolePort !== undefined ? { console: `http://${host}:${facts.consolePort}` } : {}),
    database:
      config.database === 'sqlite'
        ? `SQLite in ${resolve(config.data)}`
        : `PostgreSQL ${redact(config.database)}${config.databaseSchema ? ` (schema ${config.databaseSchema})` : ''}`,
    ...(config.runtime ? { runtime: resolve(config.runtime), runtimeWatch: config.runtimeWatch } : {}),
    defaultKeys: defaultKeysInUse(config),
  };
}

/** The banner as text for a terminal. */
export function bannerText(summary: StartupSummary, listeningOn: string): string {
  const rows: [string, string][] = [
    ['HTTP API', summary.http],
    ['Nakama socket', summary.socket],
    ['GameMaker WebSocket', `${summary.gmWebSocket}  (path /gm on the HTTP port)`],
  ];
  if (summary.gmTcp) rows.push(['GameMaker TCP', `${summary.gmTcp}  (framed: network_connect)`]);
  if (summary.console)
    rows.push(['Admin console', `${summary.console}  (and Prometheus ${summary.console}/metrics)`]);
  rows.push(['Database', summary.database]);
  if (summary.runtime) {
    rows.push([
      'Runtime modules',
      `${summary.runtime}${summary.runtimeWatch ? '  (reloading on change)' : ''}`,
    ]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = [
    '',
    `  Tether ${summary.version} is running (node ${summary.node}, listening on ${listeningOn})`,
    '',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}${v}`),
    '',
  ];
  if (summary.defaultKeys.length > 0) {
    lines.push(
      '  ! Default keys in use: fine on your machine, unsafe on a network. Before going online set',
      ...summary.defaultKeys.map((k) => `      --${kebab(k)} (${envName(k)})`),
      '    --production refuses to start while any of them is left at its default.',
      '',
    );
  }
  lines.push('  Press Ctrl+C to stop (open connections are closed with a reason).', '');
  return lines.join('\n');
}
