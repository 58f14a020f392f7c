/**
 * The JavaScript a relayed message costs inside Tether, without sockets: `relay/inbound.ts <checkout>[,<checkout>]
 * [json|pb] [matches] [ticks] [rounds]`. Each checkout's real server (`startServer`, SQLite in a
 * temporary folder) gets M matches of 8 sessions on connections that take each inbound frame as
 * `ws` hands it over and build every outbound frame, but write nothing; every member sends one
 * `match_data_send` per tick (as the relay generator writes it). It prints the server's CPU per
 * delivery per round, and with two checkouts (both in this process, rounds alternated) the
 * second's ÷ the first's per round. What it leaves out, `ws`'s frame parsing and the socket writes,
 * is the same for both commits; on a loaded machine only the alternated ratios mean much.
 *
 * @packageDocumentation
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encodeClientEnvelopePb } from '@tether/protocol';

const [rootsArg = '..', format = 'json', matchesArg = '150', ticksArg = '100', roundsArg = '10'] =
  process.argv.slice(2);
const roots = rootsArg.split(',');
const MATCHES = Number(matchesArg);
const TICKS = Number(ticksArg);
const ROUNDS = Number(roundsArg);
const TEXT = format === 'json';
if (format !== 'json' && format !== 'pb') throw new RangeError('format: json or pb');

/** What this file uses of a server package (any checkout's). */
interface ServerModule {
  loadConfig(values: object, env: object): object;
  startServer(config: object, deps: object): Promise<RunningServer>;
}
interface SessionLike {
  readonly id: string;
}
interface RunningServer {
  readonly realtime: {
    readonly lifecycle: { open(c: object, identity: object, options: object): SessionLike };
  };
  readonly matches: {
    readonly service: {
      create(s: SessionLike, name: string): { match_id: string };
      join(s: SessionLike, target: object, metadata: object): unknown;
    };
  };
  close(reason: string): Promise<void>;
}
type FrameFn = (payload: Uint8Array | string, opcode: number) => Buffer;
type Handler = (data: Uint8Array, kind: 'binary' | 'text') => void;

/** A `/ws` connection that frames like `WsConnection` and counts what it would write. */
class CountingConnection {
  static delivered = 0;
  readonly carrier = 'ws';
  readonly wireKind = 'ws-frame';
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 1;
  readonly bufferedBytes = 0;
  readonly open = true;
  readonly closed = new Promise<never>(() => {});
  readonly frameKind = TEXT ? 'ws-text' : 'ws-binary';
  handler: Handler | undefined;
  constructor(
    readonly id: string,
    readonly wsFrame: FrameFn,
  ) {}
  send(): boolean {
    return true;
  }
  encode(m: Uint8Array | string): Uint8Array {
    return typeof m === 'string' ? Buffer.from(m) : m;
  }
  sendFrames(frames: readonly unknown[]): boolean {
    CountingConnection.delivered += frames.length;
    return true;
  }
  frame(payload: Uint8Array | string): Buffer {
    return this.wsFrame(payload, TEXT ? 1 : 2);
  }
  frameOverhead(frame: Uint8Array): number {
    const code = frame[1]! & 0x7f;
    return code < 126 ? 2 : code === 126 ? 4 : 10;
  }
  sendFramed(frames: readonly Uint8Array[]): boolean {
    CountingConnection.delivered += frames.length;
    return true;
  }
  close(): void {}
  terminate(): void {}
  fail(): void {}
  onMessage(handler: Handler): () => void {
    this.handler = handler;
    return () => {};
  }
  onClose(): () => void {
    return () => {};
  }
}

interface Member {
  readonly connection: CountingConnection;
  readonly frame: Buffer;
}

/** Starts one checkout's server and opens its matches. */
async function setup(root: string, lane: number) {
  const url = (path: string) => pathToFileURL(join(root, path)).href;
  const pkg = (await import(url('packages/server/src/index.ts'))) as ServerModule;
  const { wsFrame } = (await import(url('packages/server/src/transport/ws.ts'))) as { wsFrame: FrameFn };
  const data = mkdtempSync(join(tmpdir(), 'tether-relay-inbound-'));
  const settings = { host: '127.0.0.1', port: 0, gmPort: 0, consolePort: 0, data, logLevel: 'warn' };
  const server = await pkg.startServer(
    pkg.loadConfig({ ...settings, socketMaxConnectionsPerAddress: 0 }, {}),
    {},
  );
  const members: Member[] = [];
  const payload = Buffer.alloc(48, 7);
  for (let m = 0; m < MATCHES; m++) {
    let matchId = '';
    for (let k = 0; k < 8; k++) {
      const connection = new CountingConnection(`bench#${lane}-${m}-${k}`, wsFrame);
      const identity = { userId: `u-${m}-${k}`, username: `p${m}_${k}`, tokenId: 't', expiresAt: 2e9 };
      const session = server.realtime.lifecycle.open(
        connection,
        { ...identity, vars: {}, lang: 'en' },
        { format: TEXT ? 'json-text' : 'protobuf', appearOnline: false, singleSocket: false },
      );
      if (k === 0) matchId = server.matches.service.create(session, '').match_id;
      else server.matches.service.join(session, { match_id: matchId }, {});
      const body = { match_id: matchId, op_code: 1, data: payload };
      const frame = TEXT
        ? Buffer.from(
            `{"match_data_send":{"match_id":${JSON.stringify(matchId)},"op_code":"1","data":"${payload.toString('base64')}","presences":[]}}`,
          )
        : Buffer.from(encodeClientEnvelopePb({ match_data_send: body }));
      members.push({ connection, frame });
    }
  }
  return { members, close: () => server.close('done').finally(() => rmSync(data, { recursive: true })) };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** `ticks` rounds of one send per member, 64 frames per event-loop turn. */
async function run(members: readonly Member[], ticks: number): Promise<void> {
  for (let t = 0; t < ticks; t++) {
    for (let i = 0; i < members.length; i++) {
      const { connection, frame } = members[i]!;
      // A fresh Buffer per frame, as `ws` hands one over.
      connection.handler!(Buffer.from(frame), TEXT ? 'text' : 'binary');
      if ((i & 63) === 63) await turn();
    }
    await turn();
  }
}

const lanes = [];
for (const [i, root] of roots.entries()) lanes.push(await setup(root, i));
for (let w = 0; w < 3; w++) for (const lane of lanes) await run(lane.members, Math.max(20, TICKS / 2));
const results: number[][] = roots.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (let k = 0; k < lanes.length; k++) {
    const lane = (r + k) % lanes.length;
    CountingConnection.delivered = 0;
    const start = process.cpuUsage();
    await run(lanes[lane]!.members, TICKS);
    const used = process.cpuUsage(start);
    results[lane]!.push((used.user + used.system) / CountingConnection.delivered);
  }
}
const median = (a: readonly number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const fixed = (a: readonly number[]) => a.map((x) => x.toFixed(3)).join(' ');
for (const [i, root] of roots.entries()) {
  console.log(
    `${root} ${format} ${MATCHES} matches: µs per delivery median ${median(results[i]!).toFixed(3)} (${fixed(results[i]!)})`,
  );
}
if (roots.length === 2) {
  const ratios = results[1]!.map((b, i) => b / results[0]![i]!);
  console.log(`second ÷ first per round: median ${median(ratios).toFixed(3)} (${fixed(ratios)})`);
}
// Bounded: the counting connections never report closed, so a server's close can wait out its drain.
const bound = new Promise((resolve) => setTimeout(resolve, 2000).unref());
await Promise.race([Promise.all(lanes.map((lane) => lane.close())), bound]);
process.exit(0);
