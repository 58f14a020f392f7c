/**
 * A client process of the idle-sockets benchmark: authenticates its share of device accounts
 * (Tether only), opens its share of WebSockets with a fixed number of upgrades in flight, keeps them
 * open (answering the server's pings, sending nothing else; it reports how many pings all its
 * sockets have received so far) and closes them when told.
 *
 * Each socket has its own source address (`127.<10 + generator>.<a>.<b>`, 200 sockets per address),
 * so tens of thousands of sockets to one port never run out of ephemeral ports. Sockets are raw
 * WebSockets over `node:net` (`relay/wire.ts`): the client side costs little and nothing is parsed.
 *
 * @packageDocumentation
 */
import { RawWebSocket } from '../relay/wire.ts';

/** Messages the driver sends a generator. */
export type ToGenerator =
  | { type: 'auth'; host: string; port: number; prefix: string; count: number; concurrency: number }
  | {
      type: 'open';
      host: string;
      port: number;
      kind: 'ws' | 'tether';
      index: number;
      count: number;
      concurrency: number;
    }
  | { type: 'count' }
  | { type: 'close' };

/** Messages a generator sends the driver. */
export type FromGenerator =
  | { type: 'authed'; ms: number }
  | { type: 'opened'; start: number; end: number; failed: number; firstError: string }
  | { type: 'count'; open: number; pings: number }
  | { type: 'closed' }
  | { type: 'error'; message: string };

const SERVER_KEY_BASIC = `Basic ${Buffer.from('defaultkey:').toString('base64')}`;
/** Sockets per source address. */
const PER_ADDRESS = 200;

const send = (m: FromGenerator) => process.send?.(m);
/** Epoch milliseconds with sub-millisecond resolution, comparable between processes. */
const now = () => performance.timeOrigin + performance.now();

let tokens: string[] = [];
const sockets: RawWebSocket[] = [];

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
async function pool(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function authenticate(m: Extract<ToGenerator, { type: 'auth' }>): Promise<void> {
  const t0 = performance.now();
  tokens = new Array<string>(m.count);
  await pool(m.count, m.concurrency, async (i) => {
    const res = await fetch(`http://${m.host}:${m.port}/v2/account/authenticate/device?create=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: SERVER_KEY_BASIC },
      body: JSON.stringify({ id: `${m.prefix}-${i}` }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json()) as { token?: string };
    if (!res.ok || !body.token) throw new Error(`authenticate/device: ${res.status}`);
    tokens[i] = body.token;
  });
  send({ type: 'authed', ms: performance.now() - t0 });
}

async function open(m: Extract<ToGenerator, { type: 'open' }>): Promise<void> {
  let failed = 0;
  let firstError = '';
  const start = now();
  await pool(m.count, m.concurrency, async (i) => {
    const a = Math.floor(i / PER_ADDRESS);
    const localAddress = `127.${10 + m.index}.${(a >> 8) & 255}.${(a & 255) + 1}`;
    const path =
      m.kind === 'tether' ? `/ws?lang=en&status=false&token=${encodeURIComponent(tokens[i] as string)}` : '/';
    try {
      sockets.push(await RawWebSocket.connect(m.host, m.port, path, 30_000, localAddress));
    } catch (err) {
      failed++;
      firstError ||= (err as Error).message;
    }
  });
  send({ type: 'opened', start, end: now(), failed, firstError });
}

process.on('message', (m: ToGenerator) => {
  const fail = (err: unknown) => send({ type: 'error', message: (err as Error).message });
  if (m.type === 'auth') authenticate(m).catch(fail);
  else if (m.type === 'open') open(m).catch(fail);
  else if (m.type === 'count')
    send({ type: 'count', open: sockets.filter((s) => !s.closed).length, pings: RawWebSocket.pingsReceived });
  else if (m.type === 'close') {
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    send({ type: 'closed' });
  }
});
process.on('disconnect', () => process.exit(0));
