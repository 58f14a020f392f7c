/**
 * Summary of a V8 CPU profile (`.cpuprofile`, as `--profile` writes them): the functions with the
 * most self time and the most total time (inclusive, each sample counted once per function), as
 * shares of the busy samples (idle excluded).
 *
 *   npx tsx bench/relay/profile-top.ts <file.cpuprofile> [--top 30] [--total <pattern>]
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly children?: number[];
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, total: { type: 'string' } },
});
const top = Number(values.top);

function label(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url ? basename(url.replace(/^file:\/\//, '')) : '';
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

for (const file of positionals) {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  for (const id of p.samples) {
    const n = byId.get(id) as ProfileNode;
    if (n.callFrame.functionName === '(idle)') continue;
    busy++;
    const l = label(n);
    self.set(l, (self.get(l) ?? 0) + 1);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = label(byId.get(at) as ProfileNode);
      if (seen.has(name)) continue;
      seen.add(name);
      total.set(name, (total.get(name) ?? 0) + 1);
    }
  }
  const pct = (n: number) => `${((n * 100) / busy).toFixed(1).padStart(5)} %`;
  const idle = p.samples.length - busy;
  process.stdout.write(
    `\n# ${basename(file)}: ${p.samples.length} samples, ${busy} busy (${((busy * 100) / p.samples.length).toFixed(0)} %), ${idle} idle\n## self\n`,
  );
  for (const [l, n] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`${pct(n)}  ${l}\n`);
  }
  const pattern = values.total ? new RegExp(values.total) : null;
  process.stdout.write('## total\n');
  for (const [l, n] of [...total]
    .filter(([l]) => (pattern ? pattern.test(l) : true))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)) {
    process.stdout.write(`${pct(n)}  ${l}\n`);
  }
}
