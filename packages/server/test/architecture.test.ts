/**
 * The server's folder-level import rules, checked over the TypeScript compiler's own reading of every
 * import in `packages/server/src` (tests excluded). docs/architecture.md draws the same table.
 *
 * A unit is a top-level folder of `src/` (`socket/`, `presence/`, ...), or one feature
 * (`features/chat/`); the files directly in `src/` (the composition root and the package index) are
 * the unit `root`. Each unit has a layer; an import may only go to a lower layer, except that a
 * feature may use another feature's exports. Separately, the unit graph must have no cycle at all.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Layer of each unit: higher layers may import lower ones. Features share one layer. */
export const LAYERS: Readonly<Record<string, number>> = {
  cli: 12,
  root: 11,
  // The admin console's listener, login and core pages: above http/ (it reuses the router), beside
  // runtime/ (neither uses the other: the root hands it what modules registered).
  console: 10,
  runtime: 10,
  http: 9,
  features: 8,
  socket: 7,
  carriers: 6,
  core: 6,
  pipeline: 5,
  api: 5,
  network: 5,
  session: 4,
  presence: 3,
  db: 3,
  transport: 2,
  config: 1,
  observability: 1,
  shared: 0,
};

function unitOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  if (parts.length === 1) return 'root';
  if (parts[0] === 'features') return `features/${parts[1]}`;
  return parts[0]!;
}

function layerOf(unit: string): number | undefined {
  return LAYERS[unit.startsWith('features/') ? 'features' : unit];
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.m?ts$/.test(name) && !/\.test\.ts$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

interface Edge {
  readonly from: string;
  readonly to: string;
  readonly file: string;
  readonly spec: string;
}

/** Every import (static, dynamic and `export … from`) between two units, as the compiler reads it. */
function unitEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = resolve(dirname(file), ref.fileName);
      const from = unitOf(file);
      const to = unitOf(target);
      if (from !== to) edges.push({ from, to, file: relative(SRC, file), spec: ref.fileName });
    }
  }
  return edges;
}

/** Strongly connected components with more than one unit (Tarjan). */
function cycles(edges: readonly Edge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    if (!graph.has(e.to)) graph.set(e.to, new Set());
    graph.get(e.from)!.add(e.to);
  }
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return found;
}

describe('server architecture', () => {
  const edges = unitEdges();

  it('reads a real import graph', () => {
    // Guards the test itself: a broken reader would find no edges and pass everything.
    expect(edges.length).toBeGreaterThan(100);
    expect(edges.some((e) => e.from === 'root' && e.to === 'features/chat')).toBe(true);
  });

  it('knows the layer of every folder', () => {
    const unknown = [...new Set(edges.flatMap((e) => [e.from, e.to]))].filter(
      (u) => layerOf(u) === undefined,
    );
    expect(unknown, 'add new top-level folders to LAYERS and docs/architecture.md').toEqual([]);
  });

  it('has no import cycle between folders', () => {
    expect(cycles(edges)).toEqual([]);
  });

  it('imports only downward (features may use each other)', () => {
    const upward = edges
      .filter((e) => {
        const from = layerOf(e.from)!;
        const to = layerOf(e.to)!;
        const peers = e.from.startsWith('features/') && e.to.startsWith('features/');
        return !peers && to >= from;
      })
      .map((e) => `${e.file} -> ${e.spec} (${e.from} ${layerOf(e.from)} -> ${e.to} ${layerOf(e.to)})`);
    expect(upward).toEqual([]);
  });

  it('keeps features away from the HTTP router and the runtime', () => {
    const bad = edges
      .filter((e) => e.from.startsWith('features/') && ['http', 'runtime', 'root', 'cli'].includes(e.to))
      .map((e) => `${e.file} -> ${e.spec}`);
    expect(bad).toEqual([]);
  });

  it('detects a cycle and an upward import when there is one', () => {
    const fake: Edge[] = [
      { from: 'socket', to: 'features/chat', file: 'socket/x.ts', spec: '../features/chat/y.ts' },
      { from: 'features/chat', to: 'socket', file: 'features/chat/y.ts', spec: '../../socket/x.ts' },
    ];
    expect(cycles(fake)).toEqual([['features/chat', 'socket']]);
  });
});
