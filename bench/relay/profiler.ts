/**
 * V8 CPU profiles of just the measured windows, taken in-process through the inspector, so that
 * start-up, connection setup and module loading (tsx's loader thread) stay out of them.
 *
 * @packageDocumentation
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { dirname } from 'node:path';

/** Profiles windows on demand through the inspector (no `--cpu-prof`: only the measured window). */
export class WindowProfiler {
  #session: Session | null = null;

  /** Starts sampling (no-op if already started). */
  async start(): Promise<void> {
    if (this.#session) return;
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 1000 });
    await session.post('Profiler.start');
    this.#session = session;
  }

  /** Stops sampling and writes the profile to `file` (folders created). */
  async stop(file: string): Promise<void> {
    const session = this.#session;
    if (!session) return;
    this.#session = null;
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(profile));
  }
}
