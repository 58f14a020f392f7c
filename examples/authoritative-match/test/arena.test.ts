/**
 * The tag example on a real server started with `runtime: <this example's modules>`, driven by the
 * unmodified nakama-js 2.8.0 client: RPC → join → inputs → state broadcasts → leave, the join limit,
 * listing by label, and a crashing match that ends alone while the server and other matches go on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Client,
  type DefaultSocket,
  type MatchData,
  type MatchmakerMatched,
  type MatchPresenceEvent,
  type Session,
} from '@heroiclabs/nakama-js';
import { loadConfig, type RunningServer, startServer } from '@tether/server';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ClientOptions, WebSocket } from 'ws';
import { OpCode, type StateMessage } from '../modules/_tag.ts';

/** nakama-js under Node needs a global WebSocket (dispatching like a browser) and `window`. */
class BrowserLikeWebSocket extends WebSocket {
  constructor(url: string | URL, protocols?: string | string[], options?: ClientOptions) {
    super(url, protocols, { ...options, allowSynchronousEvents: false });
  }
}
Object.assign(globalThis, { WebSocket: BrowserLikeWebSocket });
(globalThis as Record<string, unknown>).window ??= globalThis;

const MODULES = fileURLToPath(new URL('../modules', import.meta.url));

interface Player {
  session: Session;
  socket: DefaultSocket;
  data: MatchData[];
  presence: MatchPresenceEvent[];
  /** Resolves when `check` holds over what was received (re-checked on every push). */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
}

let server: RunningServer;
let dataDir: string;
let client: Client;
const players: Player[] = [];

async function player(): Promise<Player> {
  const session = await client.authenticateDevice(`tag-${Math.random().toString(36).slice(2, 14)}`, true);
  const socket = client.createSocket(false, false) as DefaultSocket;
  const waiters = new Set<() => void>();
  const p: Player = {
    session,
    socket,
    data: [],
    presence: [],
    until: (check, timeoutMs = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(test);
          reject(new Error('condition not met in time'));
        }, timeoutMs);
        const test = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(test);
          resolve();
        };
        waiters.add(test);
        test();
      }),
  };
  socket.onmatchdata = (d) => {
    p.data.push(d);
    for (const w of [...waiters]) w();
  };
  socket.onmatchpresence = (e) => {
    p.presence.push(e);
    for (const w of [...waiters]) w();
  };
  await socket.connect(session, false);
  players.push(p);
  return p;
}

const states = (p: Player, matchId: string): StateMessage[] =>
  p.data
    .filter((d) => d.match_id === matchId && d.op_code === OpCode.STATE)
    .map((d) => JSON.parse(new TextDecoder().decode(d.data)) as StateMessage);

async function rejection(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as { code: number; message: string },
  );
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'tether-tag-'));
  const config = loadConfig(
    {
      host: '127.0.0.1',
      port: 0,
      gmPort: 0,
      consolePort: 0,
      data: dataDir,
      runtime: MODULES,
      matchmakerIntervalMs: 100,
    },
    {},
  );
  server = await startServer(config, { logger: pino({ level: process.env.TETHER_TEST_LOG ?? 'silent' }) });
  client = new Client('defaultkey', '127.0.0.1', String(server.http.port), false);
});
afterEach(() => {
  for (const p of players.splice(0)) p.socket.disconnect(false);
});
afterAll(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('tag example', () => {
  it('loads the TypeScript module without a build step and plays a match end to end', async () => {
    const [a, b, c] = [await player(), await player(), await player()];
    const created = await client.rpc(a.session, 'create_tag', { maxPlayers: 2, emptyTicksToEnd: 3 });
    const { matchId } = created.payload as { matchId: string };
    const ended = new Promise<string>((resolve) =>
      server.matches.registry.onEnded((m, reason) => m.id === matchId && resolve(reason)),
    );

    const joinedA = await a.socket.joinMatch(matchId);
    expect(joinedA).toMatchObject({ match_id: matchId, authoritative: true, size: 0 });
    expect(JSON.parse(joinedA.label!)).toMatchObject({ mode: 'tag', open: true });
    // find_tag answers over the socket too, and picks the open match.
    const found = await b.socket.rpc('find_tag');
    expect(JSON.parse(found.payload!)).toEqual({ matchId });
    const joinedB = await b.socket.joinMatch(matchId);
    expect(joinedB.presences?.map((p) => p.user_id)).toEqual([a.session.user_id]);
    expect(await rejection(c.socket.joinMatch(matchId))).toMatchObject({
      code: 5,
      message: 'Match is full (2 players)',
    });

    const listed = await client.listMatches(
      c.session,
      10,
      true,
      undefined,
      undefined,
      undefined,
      '+label.mode:tag',
    );
    expect(listed.matches?.find((m) => m.match_id === matchId)).toMatchObject({
      size: 2,
      authoritative: true,
    });
    const open = await client.listMatches(
      c.session,
      10,
      true,
      undefined,
      undefined,
      undefined,
      '+label.open:true',
    );
    expect(open.matches?.some((m) => m.match_id === matchId)).toBe(false);

    // Inputs move a player on the server; every tick's state reaches both players.
    const start = await (async () => {
      await a.until(() => states(a, matchId).some((s) => s.players.length === 2));
      return states(a, matchId)
        .at(-1)!
        .players.find((p) => p.sessionId === joinedA.self.session_id)!;
    })();
    await a.socket.sendMatchState(matchId, OpCode.INPUT, JSON.stringify({ dx: 1, dy: 0 }));
    const moved = () =>
      states(b, matchId).some(
        (s) => (s.players.find((p) => p.sessionId === joinedA.self.session_id)?.x ?? -1) >= start.x + 2,
      );
    await b.until(moved);
    const status = await client.rpcHttpKey('defaulthttpkey', 'tag_status', { matchId });
    expect(status.payload).toMatchObject({ players: 2, inputs: 1 });

    await b.socket.leaveMatch(matchId);
    await a.until(() =>
      a.presence.some((e) => e.leaves?.some((p) => p.session_id === joinedB.self.session_id)),
    );
    await a.socket.leaveMatch(matchId);
    expect(await ended).toBe('stopped');
    const after = await client.listMatches(c.session, 10, true);
    expect(after.matches?.some((m) => m.match_id === matchId)).toBe(false);
  });

  it('contains a crashing match: it ends and its player is told, other matches and the server go on', async () => {
    await server.runtime.run((initializer) => {
      initializer.registerMatch('crashy', {
        matchInit: () => ({ state: {}, tickRate: 20 }),
        matchLoop: (_ctx, _d, _tick, state, messages) => {
          if (messages.some((m) => m.opCode === 13)) throw new Error('bug in game code');
          return { state };
        },
      });
    }, 'crashy');
    const [victim, bystander] = [await player(), await player()];
    const crashy = server.runtime.nk.matchCreate('crashy');
    const tag = (JSON.parse((await bystander.socket.rpc('create_tag')).payload!) as { matchId: string })
      .matchId;
    const victimSelf = (await victim.socket.joinMatch(crashy)).self;
    await bystander.socket.joinMatch(tag);

    await victim.socket.sendMatchState(crashy, 13, 'boom');
    await victim.until(() =>
      victim.presence.some(
        (e) => e.match_id === crashy && e.leaves?.some((p) => p.session_id === victimSelf.session_id),
      ),
    );
    expect(server.runtime.nk.matchGet(crashy)).toBeNull();
    expect(await rejection(victim.socket.joinMatch(crashy))).toMatchObject({ code: 4 });

    const seen = states(bystander, tag).length;
    await bystander.until(() => states(bystander, tag).length >= seen + 3);
    const found = await client.rpc(victim.session, 'find_tag', {});
    expect(found.payload).toEqual({ matchId: tag });
  });

  it('sends matchmaker results to a tag match chosen by the module’s hook', async () => {
    const [a, b] = [await player(), await player()];
    const matched = (p: Player) =>
      new Promise<MatchmakerMatched>((resolve) => {
        p.socket.onmatchmakermatched = resolve;
      });
    const [ma, mb] = [matched(a), matched(b)];
    await a.socket.addMatchmaker('+properties.game:tag', 2, 2, { game: 'tag' });
    await b.socket.addMatchmaker('+properties.game:tag', 2, 2, { game: 'tag' });
    const [resultA, resultB] = await Promise.all([ma, mb]);
    expect(resultA.match_id).toMatch(new RegExp(`\\.${server.config.node}$`));
    expect(resultA.token).toBeUndefined();
    expect(resultB.match_id).toBe(resultA.match_id);
    await a.socket.joinMatch(resultA.match_id);
    const joined = await b.socket.joinMatch(resultB.match_id);
    expect(joined).toMatchObject({ authoritative: true, size: 1 });
    expect(JSON.parse(joined.label!)).toMatchObject({ mode: 'tag', maxPlayers: 2 });
  });
});
