import { type Logger, pino } from 'pino';
import { build as prettyStream } from 'pino-pretty';

export type { Logger };

/** How `tether serve` writes its logs: `pretty` for people, `json` (one object a line) for machines. */
export type LogFormat = 'pretty' | 'json';

/** Structured JSON logs on stdout (pino). Tests pass `level: 'silent'`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'tether' } }, destination);
}

/**
 * The logger of the `tether` command: JSON lines, or pino-pretty's coloured lines (time, level,
 * message, then the fields on the same line) when `format` is `pretty`. Pretty output is written synchronously so it
 * keeps its order with the start-up banner, which goes straight to stdout.
 */
export function createCliLogger(level: string, format: LogFormat, colorize: boolean): Logger {
  if (format === 'json') return createLogger(level);
  return createLogger(
    level,
    prettyStream({
      colorize,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service',
      singleLine: true,
    }),
  );
}

/** `auto` means pretty on a terminal and JSON when stdout is a file or a pipe (log collectors). */
export function resolveLogFormat(setting: 'auto' | LogFormat, stdoutIsTty: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTty ? 'pretty' : 'json';
}
