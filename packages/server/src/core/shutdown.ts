import type { Logger } from 'pino';

/**
 * The phases of a graceful shutdown, in the order they run. Each exists for a reason that fixes its
 * place:
 * - `background`: stop intervals that start new work (matchmaking), so nothing new begins;
 * - `matches`: authoritative matches get `matchTerminate` while their players are still connected,
 *   so the last broadcasts reach them;
 * - `sessions`: realtime endpoints refuse new sockets, stop reading messages, let the requests already
 *   read finish and send their replies (within `shutdownGraceSec`), then close every session with 1001;
 *   HTTP requests in flight (drained from the start of the shutdown) are waited for here too;
 * - `carriers`: GameMaker listeners stop and their remaining connections get a close notice;
 * - `features`: per-feature listeners and sweeps end (nothing is connected any more);
 * - `storage`: the database is flushed and closed, last, after everything that writes to it.
 */
export const SHUTDOWN_PHASES = [
  'background',
  'matches',
  'sessions',
  'carriers',
  'features',
  'storage',
] as const;
/** One shutdown phase. */
export type ShutdownPhase = (typeof SHUTDOWN_PHASES)[number];

/** A shutdown task: receives the reason given to clients. */
export type ShutdownTask = (reason: string) => Promise<void>;

/**
 * Collects shutdown tasks by phase and runs them once, phase by phase in {@link SHUTDOWN_PHASES}
 * order; tasks of one phase run one after the other in registration order. A failing task is logged
 * and the shutdown goes on: a half-closed server must still release its database.
 */
export class Shutdown {
  readonly #tasks = new Map<ShutdownPhase, { name: string; run: ShutdownTask }[]>();
  readonly #log: Logger;
  #running: Promise<void> | undefined;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Adds a task to a phase. */
  on(phase: ShutdownPhase, name: string, run: ShutdownTask): void {
    let list = this.#tasks.get(phase);
    if (!list) {
      list = [];
      this.#tasks.set(phase, list);
    }
    list.push({ name, run });
  }

  /** Runs every phase once; later calls return the same promise. */
  run(reason: string): Promise<void> {
    this.#running ??= (async () => {
      for (const phase of SHUTDOWN_PHASES) {
        this.#log.debug({ phase }, 'shutdown phase');
        for (const task of this.#tasks.get(phase) ?? []) {
          try {
            await task.run(reason);
          } catch (err) {
            this.#log.error({ err, phase, task: task.name }, 'error while shutting down');
          }
        }
      }
    })();
    return this.#running;
  }
}
