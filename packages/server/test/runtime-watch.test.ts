/**
 * `--runtime-watch`: a real server reloads its modules when a file changes. An open socket stays
 * open and its next RPC call runs the new code; a match started before the change keeps ticking with
 * the old handler while a new match gets the new one; a broken change keeps the previous code.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { RawSocket } from './realtime-helpers.ts';

/** A module whose RPC, match broadcasts and helper all say `version`. */
function gameModule(version: string): string {
  return `import type { InitModule, MatchHandler } from '@tether/server';
import { label } from './_label';

const ticker: MatchHandler<{ v: string }> = {
  matchInit: () => ({ state: { v: label('${version}') }, tickRate: 20 }),
  matchLoop: (_ctx, dispatcher, _tick, state) => {
    dispatcher.broadcastMessage(1, state.v);
    return { state };
  },
};

const init: InitModule = (initializer, nk) => {
  initializer.registerRpc('version', () => label('${version}'));
  initializer.registerRpc('start', () => nk.matchCreate('ticker', {}));
  initializer.registerMatch('ticker', ticker);
};
export default init;
`;
}

/** Captures the server's JSON log lines. */
class LogLines extends Writable {
  readonly lines: { msg?: string; err?: string }[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString().split('\n')) if (line.trim()) this.lines.push(JSON.parse(line));
    done();
  }
}

let dir: string | undefined;
let server: TestServer | undefined;
let socket: RawSocket | undefined;
afterEach(async () => {
  socket?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = server = socket = undefined;
});

let cid = 0;
async function rpc(s: RawSocket, id: string): Promise<string> {
  const reply = await s.request(String(++cid), { rpc: { id } });
  if (!reply.rpc) throw new Error(`rpc ${id} failed: ${JSON.stringify(reply)}`);
  return String((reply.rpc as { payload?: string }).payload ?? '');
}

/** Waits (bounded) until `check` holds; changes are noticed by a file watcher, so this polls. */
async function eventually<T>(what: string, probe: () => Promise<T>, check: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The text of the next `match_data` for `matchId` received after index `from`. */
async function nextData(s: RawSocket, matchId: string, from: number): Promise<string> {
  for (let at = from; ; ) {
    const env = await s.next('match_data', at);
    at = s.received.indexOf(env) + 1;
    const data = env.match_data as { match_id: string; data?: string };
    if (data.match_id === matchId) return Buffer.from(data.data ?? '', 'base64').toString();
  }
}

describe('runtime watch (--runtime-watch)', () => {
  it('reloads changed modules without dropping sockets; running matches finish on the old code', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-watch-'));
    writeFileSync(join(dir, '_label.ts'), "export const label = (v: string): string => 'game ' + v;\n");
    writeFileSync(join(dir, 'game.ts'), gameModule('v1'));
    const logs = new LogLines();
    server = await startTestServer(
      { runtime: dir, runtimeWatch: true },
      { logger: createLogger('info', logs) },
    );
    socket = await RawSocket.login(server);

    expect(await rpc(socket, 'version')).toBe('game v1');
    const oldMatch = await rpc(socket, 'start');
    await socket.request(String(++cid), { match_join: { match_id: oldMatch } });
    expect(await nextData(socket, oldMatch, 0)).toBe('game v1');

    writeFileSync(join(dir, 'game.ts'), gameModule('v2'));
    await eventually(
      'the RPC after a change',
      () => rpc(socket!, 'version'),
      (v) => v === 'game v2',
    );

    // The socket that saw the reload is the same one, still open; the old match still ticks on v1.
    const mark = socket.received.length;
    expect(await nextData(socket, oldMatch, mark)).toBe('game v1');
    const newMatch = await rpc(socket, 'start');
    await socket.request(String(++cid), { match_join: { match_id: newMatch } });
    expect(await nextData(socket, newMatch, mark)).toBe('game v2');
    expect(await nextData(socket, oldMatch, socket.received.length)).toBe('game v1');

    // A helper change reloads too (the helper is imported afresh with the modules).
    writeFileSync(join(dir, '_label.ts'), "export const label = (v: string): string => 'level ' + v;\n");
    await eventually(
      'the RPC after a helper change',
      () => rpc(socket!, 'version'),
      (v) => v === 'level v2',
    );

    // A broken change is logged and the previous code stays.
    writeFileSync(join(dir, 'game.ts'), 'export default () => { throw new Error("half written"); };\n');
    await eventually(
      'the failed reload',
      async () => logs.lines.filter((l) => l.msg?.startsWith('runtime reload failed')).length,
      (n) => n > 0,
    );
    expect(logs.lines.find((l) => l.msg?.startsWith('runtime reload failed'))?.err).toBe(
      'module game.ts: init failed: half written',
    );
    expect(await rpc(socket, 'version')).toBe('level v2');
    expect(socket.ws.readyState).toBe(socket.ws.OPEN);
  });

  it('does not watch without the setting', async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-watch-'));
    writeFileSync(join(dir, '_label.ts'), "export const label = (v: string): string => 'game ' + v;\n");
    writeFileSync(join(dir, 'game.ts'), gameModule('v1'));
    const logs = new LogLines();
    server = await startTestServer({ runtime: dir }, { logger: createLogger('info', logs) });
    socket = await RawSocket.login(server);
    writeFileSync(join(dir, 'game.ts'), gameModule('v2'));
    await new Promise((r) => setTimeout(r, 600));
    expect(await rpc(socket, 'version')).toBe('game v1');
    expect(logs.lines.some((l) => l.msg?.startsWith('runtime reload'))).toBe(false);
  });
});
