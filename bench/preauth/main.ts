/**
 * Memory before authentication (issue 14, item 2): `--conns` GameMaker TCP clients (default 100),
 * each from its own 127.x address, complete the handshake and never authenticate; each announces a
 * 4 MiB packet and sends `--partial-mib` MiB of it (default 2). The server runs twice in its own
 * process: with a 4 MiB pre-authentication allowance and no admission limits (what the server did
 * before: the reference), then with the defaults. Reported per run: server RSS and ArrayBuffer memory
 * before, while the strangers hold their partial packets, and after they have closed (each after a
 * GC); the ratio is defaults / reference of the growth. Bounded: one minute at most.
 *
 * Run: `npm run preauth-memory --prefix bench -- [--conns 100] [--partial-mib 2]`.
 *
 * @packageDocumentation
 */
import { type ChildProcess, fork } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: { conns: { type: 'string', default: '100' }, 'partial-mib': { type: 'string', default: '2' } },
});
const CONNS = Math.min(250, Number(args.conns));
const PARTIAL = Math.round(Number(args['partial-mib']) * 1024 * 1024);
const SIGNATURE = Buffer.from('bebafeca0bb0adde1000000000000000', 'hex');

interface Mem {
  rss: number;
  arrayBuffers: number;
  heapUsed: number;
}

function startServer(overrides: object): Promise<{ child: ChildProcess; gm: number }> {
  const child = fork(new URL('./server.ts', import.meta.url), [JSON.stringify(overrides)], {
    execArgv: ['--conditions=@tether/source', '--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', (m: { ports: { gm: number } }) => resolve({ child, gm: m.ports.gm }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function mem(child: ChildProcess): Promise<Mem> {
  return new Promise((resolve) => {
    const on = (m: { mem?: Mem }) => {
      if (!m.mem) return;
      child.off('message', on);
      resolve(m.mem);
    };
    child.on('message', on);
    child.send('mem');
  });
}

/** One stranger: handshake, then a 4 MiB header and `PARTIAL` bytes; resolves once all is written or it is closed. */
function stranger(port: number, i: number, open: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    const socket = connect({
      port,
      host: '127.0.0.1',
      localAddress: `127.0.${10 + (i >> 8)}.${(i & 255) + 1}`,
    });
    open.add(socket);
    let hello = 0;
    socket.on('error', () => {});
    socket.on('close', () => {
      open.delete(socket);
      resolve();
    });
    socket.on('data', (chunk: Buffer) => {
      if (hello >= 18) return;
      hello += chunk.length;
      if (hello < 18) return;
      socket.write(SIGNATURE);
      const header = Buffer.alloc(12);
      header.writeUInt32LE(0xdeadc0de, 0);
      header.writeUInt32LE(12, 4);
      header.writeUInt32LE(4 * 1024 * 1024, 8);
      socket.write(header);
      socket.write(Buffer.alloc(PARTIAL, 0x20), () => resolve());
    });
  });
}

async function run(name: string, overrides: object) {
  const { child, gm } = await startServer(overrides);
  const before = await mem(child);
  const open = new Set<Socket>();
  const sent = Promise.all(Array.from({ length: CONNS }, (_, i) => stranger(gm, i, open)));
  await Promise.race([sent, new Promise((r) => setTimeout(r, 20_000))]);
  await new Promise((r) => setTimeout(r, 500));
  const holding = await mem(child);
  const stillOpen = open.size;
  for (const socket of open) socket.destroy();
  // The server notices the closes as it reads them; wait (5 s at most) until their buffers are freed.
  let after = await mem(child);
  for (
    let waited = 0;
    waited < 5000 && after.arrayBuffers > before.arrayBuffers + 1024 * 1024;
    waited += 250
  ) {
    await new Promise((r) => setTimeout(r, 250));
    after = await mem(child);
  }
  child.send('stop');
  await new Promise((r) => child.once('exit', r));
  return { name, before, holding, after, stillOpen };
}

const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
const reference = await run('reference: 4 MiB allowed before authentication, no admission limits', {
  gmPreAuthMaxBytes: 4 * 1024 * 1024 + 1024,
  gmMaxUnauthenticated: 0,
  gmMaxUnauthenticatedPerAddress: 0,
  gmMaxClientsPerAddress: 0,
  socketAuthTimeoutMs: 60_000,
});
const defaults = await run('defaults', { socketAuthTimeoutMs: 60_000 });
console.log(
  `## Memory before authentication: ${CONNS} strangers, each a 4 MiB header and ${mib(PARTIAL)} MiB of payload\n`,
);
console.log(
  '| server | strangers still open | RSS before / holding / after (MiB) | ArrayBuffers before / holding / after (MiB) |',
);
console.log('|---|---|---|---|');
for (const r of [reference, defaults]) {
  console.log(
    `| ${r.name} | ${r.stillOpen} | ${mib(r.before.rss)} / ${mib(r.holding.rss)} / ${mib(r.after.rss)} | ${mib(r.before.arrayBuffers)} / ${mib(r.holding.arrayBuffers)} / ${mib(r.after.arrayBuffers)} |`,
  );
}
const growth = (r: typeof reference, k: keyof Mem) => r.holding[k] - r.before[k];
console.log(
  '\nAfter the closes the JavaScript memory (ArrayBuffers) is back where it started in both runs; RSS stays' +
    ' higher because the allocator keeps freed pages for reuse, so what matters is the peak, which the' +
    ' budget bounds.',
);
console.log(
  `\nGrowth while holding, defaults / reference: RSS ${(growth(defaults, 'rss') / growth(reference, 'rss')).toFixed(3)}, ArrayBuffers ${(growth(defaults, 'arrayBuffers') / growth(reference, 'arrayBuffers')).toFixed(3)}`,
);
