/**
 * Shared pieces of the console's pages: the API context, polling, actions with their error state,
 * tables, JSON blocks and formatting.
 */
import type { ComponentChildren } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type ConsoleApi } from './api.ts';

/** The page's {@link ConsoleApi}. */
export const ApiContext = createContext<ConsoleApi | null>(null);

/** The console API of the page. */
export function useApi(): ConsoleApi {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside ApiContext');
  return api;
}

/** A loaded value: the data (kept while reloading), the last error, and a way to load again now. */
export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly reload: () => void;
}

/**
 * Loads `load()` now, again whenever `deps` change or `reload()` is called, and every `intervalMs`
 * (0: once) while the tab is visible. At most one request is in flight, so a slow server is never
 * queued up against: a timer tick finding one in flight is skipped, while a reload waits for it and
 * then loads (the answer to a request made before the reload is not shown).
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const inFlight = useRef<Promise<void> | null>(null);
  // Reloads when the caller's `deps` change, or on `reload()`.
  useEffect(() => {
    let live = true;
    const run = async (fromTimer: boolean) => {
      if (document.hidden) return;
      while (inFlight.current) {
        if (fromTimer) return;
        await inFlight.current;
        if (!live) return;
      }
      const request = (async () => {
        try {
          const value = await load();
          if (live) {
            setData(value);
            setError(undefined);
          }
        } catch (err) {
          if (live) setError(messageOf(err));
        }
      })();
      inFlight.current = request;
      await request;
      if (inFlight.current === request) inFlight.current = null;
    };
    void run(false);
    const timer = intervalMs > 0 ? setInterval(() => void run(true), intervalMs) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [...deps, tick, intervalMs]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload };
}

/** An action (a button's work): whether it runs, its last error, and a runner that records both. */
export function useAction(): {
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly run: (fn: () => Promise<unknown>) => Promise<boolean>;
} {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const run = useCallback(async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

/** A readable message for any error. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return `${err.message} (HTTP ${err.status})`;
  return err instanceof Error ? err.message : String(err);
}

/** An error line, or nothing. */
export function ErrorNote({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** A titled block of a page. */
export function Section(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="card" aria-label={props.title}>
      <header class="card-head">
        <h2>{props.title}</h2>
        {props.actions ? <div class="actions">{props.actions}</div> : null}
      </header>
      {props.children}
    </section>
  );
}

/** One column of a {@link Table}. */
export interface Column<R> {
  readonly title: string;
  readonly cell: (row: R) => ComponentChildren;
  readonly class?: string;
}

/** A table of rows; `empty` is shown when there are none. */
export function Table<R>(props: {
  rows: readonly R[];
  columns: readonly Column<R>[];
  empty: string;
  label: string;
  rowKey: (row: R) => string;
  onRowClick?: (row: R) => void;
}) {
  if (props.rows.length === 0) return <p class="muted">{props.empty}</p>;
  return (
    <table aria-label={props.label}>
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th key={c.title}>{c.title}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr
            key={props.rowKey(row)}
            class={props.onRowClick ? 'clickable' : undefined}
            onClick={props.onRowClick ? () => props.onRowClick?.(row) : undefined}
          >
            {props.columns.map((c) => (
              <td key={c.title} class={c.class}>
                {c.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** JSON text (or a value) pretty-printed. */
export function JsonBlock({ value, label }: { value: unknown; label: string }) {
  let text: string;
  try {
    text = JSON.stringify(typeof value === 'string' ? JSON.parse(value) : value, null, 2);
  } catch {
    text = String(value);
  }
  return (
    <pre class="json" title={label}>
      {text}
    </pre>
  );
}

/** A labelled statistic. */
export function Stat(props: { label: string; value: ComponentChildren; detail?: ComponentChildren }) {
  return (
    <section class="stat" aria-label={props.label}>
      <div class="stat-label">{props.label}</div>
      <div class="stat-value">{props.value}</div>
      {props.detail ? <div class="stat-detail">{props.detail}</div> : null}
    </section>
  );
}

/** Bytes as `12.3 MB`. */
export function bytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Seconds as `3d 4h`, `5h 6m`, `7m 8s`. */
export function duration(sec: number): string {
  const d = Math.floor(sec / 86400);
  const h = Math.floor((sec % 86400) / 3600);
  const m = Math.floor((sec % 3600) / 60);
  const s = Math.floor(sec % 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${s}s`;
}

/** An ISO time as local date and time. */
export function when(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '';
}
