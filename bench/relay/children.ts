/**
 * Child processes of the relay benchmark (servers and load generators): forked through tsx with an
 * IPC channel, awaited message by message with a time limit, and all killed when the driver exits
 * however it exits.
 *
 * @packageDocumentation
 */
import { type ChildProcess, fork } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const c of live) c.kill('SIGKILL');
  live.clear();
}

/** A forked child that talks over IPC. */
export class Child<In, Out extends { readonly type: string }> {
  readonly name: string;
  readonly #proc: ChildProcess;
  readonly #inbox: Out[] = [];
  #waiter: (() => void) | null = null;
  #exit: string | null = null;

  /**
   * Forks `script` (a URL next to this file) with `args`; `execArgv` is added after tsx's loader
   * (e.g. `--cpu-prof`). Without `source`, Tether's packages load from their compiled `dist/`
   * (`npm run build`) instead of their TypeScript sources. Standard output is inherited only for stderr (warnings of the servers).
   */
  constructor(name: string, script: URL, args: string[], execArgv: string[] = [], source = true) {
    if (!hooked) {
      hooked = true;
      process.on('exit', killAll);
      for (const sig of ['SIGINT', 'SIGTERM'] as const) {
        process.on(sig, () => {
          killAll();
          process.exit(130);
        });
      }
    }
    this.name = name;
    this.#proc = fork(script, args, {
      execArgv: [...(source ? ['--conditions=@tether/source'] : []), '--import', 'tsx', ...execArgv],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    live.add(this.#proc);
    this.#proc.on('message', (m) => {
      this.#inbox.push(m as Out);
      this.#waiter?.();
    });
    this.#proc.on('exit', (code, signal) => {
      live.delete(this.#proc);
      this.#exit = `${name} exited (${signal ?? code})`;
      this.#waiter?.();
    });
  }

  /** Process id (for profiles and for the record). */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Sends a message (ignored once the child has gone). */
  send(message: In): void {
    if (this.#exit === null && this.#proc.connected) this.#proc.send(message as object);
  }

  /**
   * The next message of type `type` (earlier messages of other types are dropped), rejecting on a
   * message of type `error`, on exit, or after `timeoutMs`.
   */
  next<T extends Out['type']>(type: T, timeoutMs: number): Promise<Extract<Out, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new Error(`${this.name}: no '${type}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = () => {
        while (this.#inbox.length > 0) {
          const m = this.#inbox.shift() as Out;
          if (m.type === type || m.type === 'error') {
            clearTimeout(timer);
            this.#waiter = null;
            if (m.type === 'error') reject(new Error((m as unknown as { message: string }).message));
            else resolve(m as Extract<Out, { type: T }>);
            return;
          }
        }
        if (this.#exit !== null) {
          clearTimeout(timer);
          this.#waiter = null;
          reject(new Error(this.#exit));
        }
      };
      this.#waiter = check;
      check();
    });
  }

  /** Asks the child to stop (`stop` message), then kills it if it is still there after `graceMs`. */
  async stop(stopMessage: In, graceMs = 4000): Promise<void> {
    if (this.#exit !== null) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(kill);
        clearTimeout(giveUp);
        resolve();
      };
      const kill = setTimeout(() => this.#proc.kill('SIGKILL'), graceMs);
      const giveUp = setTimeout(done, graceMs + 1000);
      this.#proc.once('exit', done);
      this.send(stopMessage);
    });
  }
}
