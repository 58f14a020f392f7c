/**
 * Server children of the fan-out benchmark: each forked through tsx with an IPC channel, asked for
 * its CPU time, stopped with a grace period, and killed whenever the driver exits, however it exits.
 *
 * @packageDocumentation
 */
import { type ChildProcess, fork } from 'node:child_process';

/** What a server child reports over IPC. */
export type ServerReport =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'cpu'; readonly seq: number; readonly cpuUs: number; readonly systemUs: number }
  | { readonly type: 'error'; readonly message: string };

/** What the driver sends to a server child. */
export type ServerCommand = { readonly type: 'cpu'; readonly seq: number } | { readonly type: 'stop' };

const children = new Set<ChildProcess>();

function killChildren(): void {
  for (const c of children) c.kill('SIGKILL');
  children.clear();
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killChildren();
    process.exit(130);
  });
}

/** One forked server process. */
export class ServerChild {
  /** The server kind, for messages. */
  readonly name: string;
  readonly #proc: ChildProcess;
  readonly #waiters = new Map<string, (m: ServerReport) => void>();
  readonly #ready: Promise<number>;
  #readyHandlers!: { resolve: (port: number) => void; reject: (err: Error) => void };
  #exited: string | null = null;
  #seq = 0;

  /**
   * Forks `server.ts <kind> ...args`; `execArgv` comes after tsx's loader (`--cpu-prof`, ...). The child's
   * stderr is inherited so that a crash is visible.
   */
  constructor(kind: string, execArgv: readonly string[] = [], args: readonly string[] = []) {
    this.name = kind;
    this.#proc = fork(new URL('./server.ts', import.meta.url), [kind, ...args], {
      execArgv: ['--conditions=@tether/source', '--import', 'tsx', ...execArgv],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    children.add(this.#proc);
    this.#ready = new Promise((resolve, reject) => {
      this.#readyHandlers = { resolve, reject };
    });
    this.#ready.catch(() => {});
    this.#proc.on('message', (raw) => {
      const m = raw as ServerReport;
      if (m.type === 'ready') this.#readyHandlers.resolve(m.port);
      else if (m.type === 'error') this.#readyHandlers.reject(new Error(`${kind}: ${m.message}`));
      else this.#waiters.get(`cpu${m.seq}`)?.(m);
    });
    this.#proc.on('exit', (code, signal) => {
      children.delete(this.#proc);
      this.#exited = `${kind} server exited (${signal ?? code})`;
      this.#readyHandlers.reject(new Error(this.#exited));
      for (const w of [...this.#waiters.values()]) w({ type: 'error', message: this.#exited });
    });
  }

  /** Process id of the server. */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Waits for the server's port. */
  ready(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${this.name}: not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.#ready, late]).finally(() => clearTimeout(timer));
  }

  /**
   * The server's CPU time so far (µs), as `process.cpuUsage` reports it there: user + system, and
   * system alone.
   */
  cpu(timeoutMs = 10_000): Promise<{ cpuUs: number; systemUs: number }> {
    const seq = ++this.#seq;
    return this.#await(`cpu${seq}`, { type: 'cpu', seq }, timeoutMs).then((m) => {
      const { cpuUs, systemUs } = m as { cpuUs: number; systemUs: number };
      return { cpuUs, systemUs };
    });
  }

  /** Asks the server to stop, and kills it if it has not exited after `graceMs`. */
  stop(graceMs = 4000): Promise<void> {
    if (this.#exited !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
      this.#proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      this.#send({ type: 'stop' });
    });
  }

  #send(command: ServerCommand): void {
    if (this.#exited === null && this.#proc.connected) this.#proc.send(command);
  }

  #await(key: string, command: ServerCommand, timeoutMs: number): Promise<ServerReport> {
    if (this.#exited !== null) return Promise.reject(new Error(this.#exited));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(key);
        reject(new Error(`${this.name}: no '${key}' within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.set(key, (m) => {
        clearTimeout(timer);
        this.#waiters.delete(key);
        if (m.type === 'error') reject(new Error(`${this.name}: ${m.message}`));
        else resolve(m);
      });
      this.#send(command);
    });
  }
}
