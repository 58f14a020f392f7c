/**
 * Starting a benchmark's server child: a TypeScript file run from the sources (tsx, Tether's
 * `@tether/source` export condition), optionally under `--cpu-prof`, with an IPC channel on which it
 * announces `{ port }` once listening.
 */
import { type ChildProcess, fork } from 'node:child_process';

/**
 * Forks `script` with tsx and the source condition; `profileDir` adds `--cpu-prof` into it, and
 * `nodeFlags` are passed to Node as they are (`--max-semi-space-size=64`).
 */
export function forkTsChild(
  script: URL,
  argv: readonly string[],
  profileDir?: string,
  nodeFlags: readonly string[] = [],
): ChildProcess {
  return fork(script, [...argv], {
    execArgv: [
      '--conditions=@tether/source',
      '--import',
      'tsx',
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...nodeFlags,
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** Resolves with the port of the child's first IPC message; rejects when it exits first. */
export function childPort(child: ChildProcess, what: string): Promise<{ port: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ port: (m as { port: number }).port, child }));
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

/** The child's CPU time so far (µs): it answers the IPC message `'cpu'` with `{ cpu }`. */
export function childCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      if (typeof m !== 'object' || m === null || !('cpu' in m)) return;
      child.off('message', on);
      resolve((m as { cpu: number }).cpu);
    };
    child.on('message', on);
    child.send('cpu');
  });
}
