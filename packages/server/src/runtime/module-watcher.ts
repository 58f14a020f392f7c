import { type FSWatcher, watch } from 'node:fs';
import { sep } from 'node:path';

/** A running folder watch; {@link close} stops it and any pending notification. */
export interface ModuleWatch {
  close(): void;
}

/**
 * Watches a runtime folder and its subfolders (helpers may live there) and calls `onChange` once
 * things have been quiet for `debounceMs`: an editor's save is several events (write, rename, chmod),
 * and a `git checkout` is many, but each should cause one reload. Dot files and `node_modules` are
 * ignored.
 */
export function watchModules(
  root: string,
  onChange: () => void,
  options: { readonly debounceMs: number; readonly onError: (err: Error) => void },
): ModuleWatch {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined = watch(root, { recursive: true, persistent: false });
  watcher.on('change', (_event, filename) => {
    const name = String(filename ?? '');
    const parts = name.split(sep);
    if (parts.includes('node_modules') || parts.some((p) => p.startsWith('.'))) return;
    clearTimeout(timer);
    timer = setTimeout(onChange, options.debounceMs);
  });
  watcher.on('error', (err) => options.onError(err));
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
      watcher = undefined;
    },
  };
}
