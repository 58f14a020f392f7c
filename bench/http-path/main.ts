/**
 * Server CPU per request of the shared HTTP request path, two checkouts A/B in one run.
 *
 *   node --import tsx bench/http-path/main.ts --base <checkout> [--head <checkout>] [--rounds 12]
 *     [--seconds 1.5] [--profile <dir>]
 *
 * Each checkout's path (see server.ts) runs in its own child process; this process sends
 * `POST /v2/storage` (one object id) on 16 keep-alive connections, one request in flight on each,
 * alternating the two servers round by round (the order flips every round) so outside load hits
 * both alike. Prints each server's CPU µs per request per round and the median of the per-round
 * ratios head / base: on a busy machine that ratio is the figure to read. `--head` defaults to
 * this checkout; a checkout needs its node_modules (a `git worktree` with them copied will do).
 */
import type { ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { childPort, forkTsChild } from '../fork-child.ts';

const { values: args } = parseArgs({
  options: {
    base: { type: 'string' },
    head: { type: 'string', default: fileURLToPath(new URL('../..', import.meta.url)) },
    rounds: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '1.5' },
    profile: { type: 'string' },
  },
});
if (!args.base) throw new Error('--base <checkout> is required');
const ROUNDS = Number(args.rounds);
const MS = Number(args.seconds) * 1000;
const CONNECTIONS = 16;
const BODY = JSON.stringify({ object_ids: [{ collection: 'c', key: 'k1', user_id: 'u1' }] });

interface Server {
  readonly child: ChildProcess;
  readonly port: number;
}

function start(root: string): Promise<Server> {
  const child = forkTsChild(new URL('./server.ts', import.meta.url), [root], args.profile);
  return childPort(child, 'server');
}

function cpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => {
      const { user, system } = (m as { cpu: NodeJS.CpuUsage }).cpu;
      resolve(user + system);
    });
    child.send('cpu');
  });
}

async function load(port: number, ms: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const headers = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(BODY),
  };
  let ok = 0;
  const end = Date.now() + ms;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, method: 'POST', path: '/v2/storage', agent, headers },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) ok++;
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(BODY);
    });
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  agent.destroy();
  return ok;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const servers = { base: await start(args.base), head: await start(args.head) };
for (const s of Object.values(servers)) await load(s.port, 1000);
const us: Record<'base' | 'head', number[]> = { base: [], head: [] };
for (let r = 0; r < ROUNDS; r++) {
  for (const k of r % 2 ? (['head', 'base'] as const) : (['base', 'head'] as const)) {
    const before = await cpu(servers[k].child);
    const n = await load(servers[k].port, MS);
    us[k].push(((await cpu(servers[k].child)) - before) / Math.max(1, n));
  }
}
const ratios = us.head.map((v, i) => v / (us.base[i] ?? Number.NaN));
const row = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(' ');
console.log(`base µs/req  ${row(us.base, 1)}  median ${median(us.base).toFixed(1)}`);
console.log(`head µs/req  ${row(us.head, 1)}  median ${median(us.head).toFixed(1)}`);
console.log(`head / base  ${row(ratios, 2)}  median ${median(ratios).toFixed(3)}`);
for (const s of Object.values(servers)) s.child.send('stop');
