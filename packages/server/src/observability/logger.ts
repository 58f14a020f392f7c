import { type Logger, pino } from 'pino';

export type { Logger };

/** Structured JSON logs on stdout (pino). Tests pass `level: 'silent'`. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, base: { service: 'tether' } }, destination);
}
