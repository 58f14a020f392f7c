/**
 * Prometheus `/metrics` on the console port: scraped and parsed as a Prometheus server would, before
 * and after real traffic (nakama-js, a raw `/ws` socket, a GameMaker TCP client, relayed and
 * authoritative matches, good and bad logins), to see every family move.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleUrl, eventually } from './console-helpers.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';
import { basicAuth, call } from './http-client.ts';
import { type PromFamily, parsePrometheusText, sampleValue } from './prom-text.ts';
import { connectPlayer, disconnectAll, type Player, RawSocket } from './realtime-helpers.ts';

let server: TestServer;
const players: Player[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer) => {
    initializer.registerRpc('echo', (_ctx, payload) => payload);
    initializer.registerMatch('ticker', {
      matchInit: () => ({ state: {}, tickRate: 20, label: 'ticker' }),
      matchJoinAttempt: (_c, _d, _t, state) => ({ state, accept: true }),
      matchLoop: (_c, _d, _t, state) => ({ state }),
    });
  }, 'metrics-test');
});
afterAll(async () => {
  disconnectAll(players);
  await server.stop();
});

async function scrape(): Promise<Map<string, PromFamily>> {
  const res = await fetch(`${consoleUrl(server)}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await res.text());
}

describe('/metrics', () => {
  it('declares every family with its type, including Node event-loop lag, GC and heap', async () => {
    const m = await scrape();
    const types = Object.fromEntries([...m.values()].map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      tether_sessions: 'gauge',
      tether_sessions_opened_total: 'counter',
      tether_messages_received_total: 'counter',
      tether_messages_sent_total: 'counter',
      tether_bytes_received_total: 'counter',
      tether_bytes_sent_total: 'counter',
      tether_realtime_errors_total: 'counter',
      tether_http_errors_total: 'counter',
      tether_matches: 'gauge',
      tether_match_loop_duration_seconds: 'histogram',
      tether_authentications_total: 'counter',
      tether_authentication_duration_seconds: 'histogram',
      tether_storage_operation_duration_seconds: 'histogram',
      nodejs_eventloop_lag_seconds: 'gauge',
      nodejs_eventloop_lag_p99_seconds: 'gauge',
      nodejs_gc_duration_seconds: 'histogram',
      nodejs_heap_size_used_bytes: 'gauge',
      process_cpu_user_seconds_total: 'counter',
    });
    expect(sampleValue(m, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
    expect(sampleValue(m, 'tether_matches', { kind: 'relayed' })).toBe(0);
  });

  it('moves with sessions per carrier, messages and bytes by type, errors, matches, logins and storage', async () => {
    const before = await scrape();
    const at = (m: Map<string, PromFamily>, name: string, labels: Record<string, string> = {}) =>
      sampleValue(m, name, labels) ?? 0;

    // A nakama-js player (device login, /ws), a raw /ws socket, a GameMaker TCP client, and a
    // nakama-js player on the protobuf format (counted as carrier ws-pb).
    const ann = await connectPlayer(server, players, { username: 'metrics_ann' });
    const pb = await connectPlayer(server, players, { username: 'metrics_pb', protobuf: true });
    await pb.socket.rpc('echo', 'protobuf');
    const raw = await RawSocket.login(server);
    const gm = await GmRealtimeClient.tcp(server.gm!.port);
    await gm.authenticate(await GmRealtimeClient.token(server.baseUrl));
    // A wrong password is a failed email authentication; a missing server key an HTTP error (16).
    await call(server.baseUrl, 'POST', '/v2/account/authenticate/email', {
      auth: basicAuth(),
      body: { email: 'metrics@example.com', password: 'first-password' },
    });
    const refused = await call(server.baseUrl, 'POST', '/v2/account/authenticate/email', {
      auth: basicAuth(),
      body: { email: 'metrics@example.com', password: 'wrong-password' },
    });
    expect(refused.status).toBe(401);
    expect((await call(server.baseUrl, 'GET', '/v2/account')).status).toBe(401);

    // Traffic: RPCs both ways, a message the server cannot parse, matches of both kinds.
    for (let i = 0; i < 3; i++) await raw.request(`r${i}`, { rpc: { id: 'echo', payload: 'x'.repeat(100) } });
    raw.send('{"cid":"bad","no_such_message":{}}');
    await raw.reply('bad');
    const relayed = await ann.socket.createMatch();
    const arena = server.runtime.nk.matchCreate('ticker');
    await gm.request('match_join', { match_id: arena });

    const after = await eventually(async () => {
      const m = await scrape();
      return at(m, 'tether_match_loop_duration_seconds_count') >= 3 ? m : undefined;
    });
    expect(at(after, 'tether_sessions', { carrier: 'ws' })).toBe(2);
    expect(at(after, 'tether_sessions', { carrier: 'gm-tcp' })).toBe(1);
    expect(at(after, 'tether_sessions', { carrier: 'ws-pb' })).toBe(1);
    expect(at(after, 'tether_bytes_received_total', { carrier: 'ws-pb' })).toBeGreaterThan(0);
    expect(at(after, 'tether_bytes_sent_total', { carrier: 'ws-pb' })).toBeGreaterThan(0);
    expect(
      at(after, 'tether_sessions_opened_total', { carrier: 'ws' }) -
        at(before, 'tether_sessions_opened_total', { carrier: 'ws' }),
    ).toBe(2);
    expect(at(after, 'tether_messages_received_total', { type: 'rpc' })).toBe(4);
    expect(at(after, 'tether_messages_received_total', { type: 'match_create' })).toBe(1);
    expect(at(after, 'tether_messages_received_total', { type: 'match_join' })).toBe(1);
    expect(at(after, 'tether_messages_sent_total', { type: 'rpc' })).toBe(4);
    expect(at(after, 'tether_messages_sent_total', { type: 'match' })).toBe(2);
    expect(at(after, 'tether_messages_sent_total', { type: 'session' })).toBe(1);
    expect(at(after, 'tether_messages_sent_total', { type: 'error' })).toBe(1);
    expect(at(after, 'tether_realtime_errors_total', { code: '1' })).toBe(1); // UNRECOGNIZED_PAYLOAD
    expect(at(after, 'tether_bytes_received_total', { carrier: 'ws' })).toBeGreaterThan(300);
    expect(at(after, 'tether_bytes_sent_total', { carrier: 'ws' })).toBeGreaterThan(300);
    expect(at(after, 'tether_bytes_received_total', { carrier: 'gm-tcp' })).toBeGreaterThan(0);
    expect(at(after, 'tether_bytes_sent_total', { carrier: 'gm-tcp' })).toBeGreaterThan(0);
    expect(at(after, 'tether_matches', { kind: 'relayed' })).toBe(1);
    expect(at(after, 'tether_matches', { kind: 'authoritative' })).toBe(1);
    expect(at(after, 'tether_match_loop_duration_seconds_sum')).toBeGreaterThan(0);
    expect(at(after, 'tether_authentications_total', { method: 'device', result: 'ok' })).toBe(4);
    expect(at(after, 'tether_authentications_total', { method: 'email', result: 'ok' })).toBe(1);
    expect(at(after, 'tether_authentications_total', { method: 'email', result: 'unauthenticated' })).toBe(1);
    expect(at(after, 'tether_authentication_duration_seconds_count', { method: 'email' })).toBe(2);
    expect(at(after, 'tether_http_errors_total', { code: '16' })).toBe(2);
    expect(
      at(after, 'tether_storage_operation_duration_seconds_count', { operation: 'accounts.findByDevice' }),
    ).toBeGreaterThanOrEqual(3);
    expect(
      at(after, 'tether_storage_operation_duration_seconds_count', { operation: 'accounts.createAccount' }),
    ).toBe(5);
    expect(relayed.match_id).toMatch(/\.$/);

    // Closing the sockets brings the gauges back down.
    disconnectAll(players);
    raw.close();
    gm.destroy();
    const closed = await eventually(async () => {
      const m = await scrape();
      return at(m, 'tether_sessions', { carrier: 'ws' }) === 0 &&
        at(m, 'tether_sessions', { carrier: 'ws-pb' }) === 0 &&
        at(m, 'tether_sessions', { carrier: 'gm-tcp' }) === 0
        ? m
        : undefined;
    });
    expect(at(closed, 'tether_matches', { kind: 'relayed' })).toBe(0);
  });
});

describe('the Prometheus text parser', () => {
  it('reads labels with escapes, histograms and special values, and refuses malformed lines', () => {
    const m = parsePrometheusText(
      [
        '# HELP a_total A counter.',
        '# TYPE a_total counter',
        'a_total{x="q\\"uote\\\\d\\nline",y="2"} 3',
        '# TYPE h histogram',
        'h_bucket{le="0.1"} 1',
        'h_bucket{le="+Inf"} 2',
        'h_sum 0.5',
        'h_count 2',
        '# TYPE g gauge',
        'g NaN',
        '# TYPE n gauge',
        'n{a="1"} Nan',
        'n{a="2"} -inf',
      ].join('\n'),
    );
    expect(sampleValue(m, 'a_total', { x: 'q"uote\\d\nline' })).toBe(3);
    expect(sampleValue(m, 'h_bucket', { le: '+Inf' })).toBe(2);
    expect(sampleValue(m, 'h_count')).toBe(2);
    expect(sampleValue(m, 'g')).toBeNaN();
    expect(sampleValue(m, 'n', { a: '1' })).toBeNaN();
    expect(sampleValue(m, 'n', { a: '2' })).toBe(-Infinity);
    expect(() => parsePrometheusText('undeclared 1')).toThrow(/undeclared family/);
    expect(() => parsePrometheusText('# TYPE a gauge\na{x=1} 1')).toThrow(/not quoted/);
    expect(() => parsePrometheusText('# TYPE a gauge\na one')).toThrow(/not a number/);
    expect(() => parsePrometheusText('# TYPE a gauge\na{x="1"')).toThrow();
  });
});
