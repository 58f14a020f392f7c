/**
 * nakama-js 2.8.0 coverage: every method of its `Client` (REST) and `DefaultSocket` (realtime), found
 * by reflection on the installed package, is called against Tether with the unmodified client, and
 * the status it gets is compared with the table below: a served call that starts failing (or answers
 * 501), a 501 that starts being served, or a method this table does not know all fail the test. The
 * socket calls run over JSON and over protobuf (nakama-js-protobuf's `WebSocketAdapterPb`).
 *
 * The table in docs/protocol.md ("nakama-js coverage") is generated from these results and checked
 * here; `TETHER_WRITE_DOCS=1 npx vitest run packages/server/test/nakama-js-parity.test.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Client, DefaultSocket, type Session } from '@heroiclabs/nakama-js';
import { WebSocketAdapterPb } from '@heroiclabs/nakama-js-protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers.ts';
import { REST_CALLS, type RestContext } from './nakama-js-parity-rest.ts';
import { SOCKET_CALLS, type SocketContext } from './nakama-js-parity-socket.ts';
import { nakamaClient } from './realtime-helpers.ts';

const DOC = new URL('../../../docs/protocol.md', import.meta.url);
const START = '<!-- nakama-js-coverage:start -->';
const END = '<!-- nakama-js-coverage:end -->';

let server: TestServer;
/** HTTP statuses of the requests nakama-js made, in order, and the body of the last error. */
const statuses: number[] = [];
let lastError = '';
const realFetch = globalThis.fetch;

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run(async (initializer, nk) => {
    initializer.registerRpc('parity_echo', (_ctx, payload) => payload);
    await nk.leaderboardCreate('parity-board', false, 'desc', 'best');
    await nk.tournamentCreate(
      'parity-cup',
      false,
      'desc',
      'best',
      3600,
      null,
      {},
      'Cup',
      '',
      1,
      0,
      0,
      10,
      0,
      true,
    );
  }, 'parity');
  globalThis.fetch = async (input, init) => {
    const res = await realFetch(input, init);
    statuses.push(res.status);
    if (res.status >= 400) lastError = await res.clone().text();
    return res;
  };
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  await server.stop();
});

/** What one call got: the HTTP status of its last request, or how a socket request ended. */
type Outcome = { status: number | 'ok' | string; error?: string };

/** Methods that are not requests: the constructor's helpers and the socket's callbacks. */
const SOCKET_LOCAL = new Set([
  'generatecid',
  'connect',
  'disconnect',
  'setHeartbeatTimeoutMs',
  'getHeartbeatTimeoutMs',
  'send',
  'pingPong',
]);

function methodsOf(proto: object): string[] {
  return Object.getOwnPropertyNames(proto)
    .filter((n) => n !== 'constructor')
    .sort();
}

const results = {
  rest: new Map<string, Outcome>(),
  json: new Map<string, Outcome>(),
  pb: new Map<string, Outcome>(),
};

async function device(client: Client): Promise<Session> {
  return client.authenticateDevice(`parity-${Math.random().toString(36).slice(2, 14)}`, true);
}

describe('nakama-js 2.8.0 against Tether', () => {
  it('knows every Client and DefaultSocket method', () => {
    const rest = methodsOf(Client.prototype).filter((m) => m !== 'createSocket');
    expect(Object.keys(REST_CALLS).sort()).toEqual(rest);
    const socket = methodsOf(DefaultSocket.prototype).filter(
      (m) => !m.startsWith('on') && !SOCKET_LOCAL.has(m),
    );
    expect(Object.keys(SOCKET_CALLS).sort()).toEqual(socket);
  });

  it('REST: every served call keeps its status; the others answer 501', async () => {
    const client = nakamaClient(server);
    for (const [name, spec] of Object.entries(REST_CALLS)) {
      const ctx: RestContext = { client, server, session: await device(client), other: await device(client) };
      statuses.length = 0;
      lastError = '';
      let error: string | undefined;
      try {
        await spec.call(ctx);
      } catch (e) {
        error = e instanceof Response ? lastError : String((e as Error)?.message ?? e);
      }
      const status = statuses.at(-1) ?? 0;
      results.rest.set(name, { status, ...(error ? { error } : {}) });
    }
    const got = Object.fromEntries([...results.rest].map(([n, o]) => [n, o.status]));
    const want = Object.fromEntries(Object.entries(REST_CALLS).map(([n, s]) => [n, s.status]));
    const errors = [...results.rest]
      .filter(([n, o]) => o.status !== want[n])
      .map(([n, o]) => `${n}: ${o.error}`);
    expect(got, errors.join('\n')).toEqual(want);
  });

  it.each([
    ['json', false],
    ['pb', true],
  ] as const)('socket over %s: every request gets its reply', async (format, protobuf) => {
    const client = nakamaClient(server);
    const open = async () => {
      const session = await device(client);
      const socket = (
        protobuf
          ? client.createSocket(false, false, new WebSocketAdapterPb())
          : client.createSocket(false, false)
      ) as DefaultSocket;
      await socket.connect(session, true);
      return { session, socket };
    };
    const sockets: DefaultSocket[] = [];
    try {
      for (const [name, spec] of Object.entries(SOCKET_CALLS)) {
        const [a, b] = [await open(), await open()];
        sockets.push(a.socket, b.socket);
        const ctx: SocketContext = { client, server, a, b, protobuf };
        let outcome: Outcome;
        try {
          await spec.call(ctx);
          outcome = { status: 'ok' };
        } catch (e) {
          const err = e as { code?: number; message?: string };
          outcome = { status: `error ${err.code ?? '?'}`, error: err.message ?? String(e) };
        }
        results[format].set(name, outcome);
      }
    } finally {
      for (const s of sockets) s.disconnect(false);
    }
    const got = Object.fromEntries([...results[format]].map(([n, o]) => [n, o.status]));
    const want = Object.fromEntries(
      Object.entries(SOCKET_CALLS).map(([n, s]) => [n, (protobuf ? s.pb : undefined) ?? s.status]),
    );
    expect(got).toEqual(want);
  });

  it('is the table in docs/protocol.md', () => {
    const doc = readFileSync(DOC, 'utf8');
    const table = coverageTable();
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    if (process.env.TETHER_WRITE_DOCS === '1') {
      expect(start).toBeGreaterThan(0);
      writeFileSync(DOC, `${doc.slice(0, start + START.length)}\n${table}${doc.slice(end)}`);
      return;
    }
    expect(doc.slice(start + START.length + 1, end)).toBe(table);
  });
});

/** The markdown table of {@link results}, as docs/protocol.md holds it. */
function coverageTable(): string {
  const lines: string[] = [];
  const served = [...results.rest.values()].filter((o) => o.status !== 501).length;
  lines.push(
    `**REST** (\`Client\`): ${served} of ${results.rest.size} methods served, the others answer 501 with code 12.`,
    '',
    '| Method | Tether | Note |',
    '|---|---|---|',
  );
  for (const [name, spec] of Object.entries(REST_CALLS)) {
    const status = results.rest.get(name)!.status;
    const what = status === 501 ? '501 not supported' : `served (${status})`;
    lines.push(`| \`${name}\` | ${what} | ${spec.note ?? ''} |`);
  }
  lines.push(
    '',
    `**Socket** (\`DefaultSocket\`): every request served over JSON and protobuf; \`connect\`, \`disconnect\`,`,
    'the heartbeat and every `on…` callback work as with Nakama.',
    '',
    '| Method | JSON | protobuf | Note |',
    '|---|---|---|---|',
  );
  for (const [name, spec] of Object.entries(SOCKET_CALLS)) {
    const show = (o: Outcome | undefined) => (o?.status === 'ok' ? 'served' : `served (${o?.status})`);
    lines.push(
      `| \`${name}\` | ${show(results.json.get(name))} | ${show(results.pb.get(name))} | ${spec.note ?? ''} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
