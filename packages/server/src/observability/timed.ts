/**
 * Times every method of an object: the composition root wraps each store with it, so storage latency
 * is measured in one place, whatever the backend, without touching the stores.
 *
 * @packageDocumentation
 */
import type { StoreMeter } from './meters.ts';

/**
 * A stand-in for `target` whose methods (own and inherited, up to `Object.prototype`) call the
 * original and report `<name>.<method>` and its duration to `meter`, successful or not, when the
 * returned promise settles (or at once for a plain value). Other properties read through to `target`.
 */
export function timed<T extends object>(target: T, name: string, meter: StoreMeter): T {
  const out: Record<string, unknown> = {};
  for (
    let proto: object | null = target;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    for (const key of Object.getOwnPropertyNames(proto)) {
      if (key === 'constructor' || key in out) continue;
      const value = (target as Record<string, unknown>)[key];
      if (typeof value !== 'function') {
        Object.defineProperty(out, key, {
          get: () => (target as Record<string, unknown>)[key],
          enumerable: true,
        });
        continue;
      }
      const fn = value as (...args: unknown[]) => unknown;
      const operation = `${name}.${key}`;
      out[key] = (...args: unknown[]) => {
        const started = performance.now();
        let result: unknown;
        try {
          result = fn.apply(target, args);
        } catch (err) {
          observeSince(meter, operation, started);
          throw err;
        }
        if (result instanceof Promise) return settled(result, meter, operation, started);
        observeSince(meter, operation, started);
        return result;
      };
    }
  }
  return out as T;
}

function observeSince(meter: StoreMeter, operation: string, started: number): void {
  meter.observe(operation, (performance.now() - started) / 1000);
}

/** `result`, reporting its duration once it settles (no closure per call, unlike `finally`). */
async function settled<T>(
  result: Promise<T>,
  meter: StoreMeter,
  operation: string,
  started: number,
): Promise<T> {
  try {
    return await result;
  } finally {
    observeSince(meter, operation, started);
  }
}
