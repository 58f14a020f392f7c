/**
 * A failed start as one line a person can act on: what went wrong and which setting to change,
 * instead of a stack trace. The stack is still logged at `debug` level for bug reports.
 *
 * @packageDocumentation
 */
import { ConfigError, type TetherConfig } from '../config/config.ts';
import { RuntimeLoadError } from '../runtime/runtime.ts';

/** A Node system error (`listen EADDRINUSE`, `connect ECONNREFUSED`...). */
interface SystemError extends Error {
  readonly code?: string;
  readonly syscall?: string;
  readonly address?: string;
  readonly port?: number;
}

/** What listens on a port, and the flag that sets it. */
function listenerOf(config: TetherConfig, port: number | undefined): { what: string; flag: string } {
  if (port === config.port) return { what: 'HTTP, /ws and /gm', flag: '--port' };
  if (port === config.gmPort) return { what: 'GameMaker TCP', flag: '--gm-port' };
  if (port === config.consolePort) return { what: 'admin console and /metrics', flag: '--console-port' };
  return { what: 'listener', flag: 'its flag' };
}

/** The one line `tether serve` prints on stderr when it cannot start. */
export function describeStartupError(err: unknown, config: TetherConfig | undefined): string {
  if (err instanceof ConfigError || err instanceof RuntimeLoadError) return err.message;
  const e = err as SystemError;
  if (config && e?.syscall === 'listen') {
    const { what, flag } = listenerOf(config, e.port);
    const where = `${e.address ?? config.host}:${e.port ?? '?'} (${what})`;
    switch (e.code) {
      case 'EADDRINUSE':
        return `cannot listen on ${where}: the port is already in use (another server running?); choose another with ${flag}`;
      case 'EACCES':
        return `cannot listen on ${where}: permission denied (ports below 1024 need privileges); choose another with ${flag}`;
      case 'EADDRNOTAVAIL':
        return `cannot listen on ${where}: this machine has no such address; check --host`;
    }
  }
  if (e?.code === 'ECONNREFUSED' && config && config.database !== 'sqlite') {
    return `cannot connect to the database (--database): ${e.message}`;
  }
  const message = e instanceof Error ? e.message : String(err);
  return `${message.split('\n')[0]} (run with --log-level debug for details)`;
}
