/**
 * The realtime SDK over `/ws?format=protobuf` (`@tether/client/protobuf`): requests and replies,
 * errors with their cid, pushes and binary match data, side by side with a JSON SDK socket in one
 * match and one chat room, and resume after a server restart in the binary format.
 */

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nodeWebSocketCarrier, RealtimeRequestError, type RealtimeSocket } from '../src/node.ts';
import { protobufCodec } from '../src/protobuf.ts';
import {
  connectedPlayer,
  RestartableServer,
  startTestServer,
  type TestServer,
  until,
} from './realtime-helpers.ts';

let server: TestServer;
const sockets: RealtimeSocket[] = [];
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startTestServer();
  await server.runtime.run((initializer) => {
    initializer.registerRpc('echo', (_ctx, payload) => payload);
  }, 'client-pb');
});
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const fn of cleanup.splice(0)) await fn();
});
afterAll(() => server.stop());

async function player(on: TestServer, label: string, protobuf: boolean) {
  const p = await connectedPlayer(
    on,
    label,
    protobuf ? { carrier: nodeWebSocketCarrier({ codec: protobufCodec }) } : {},
  );
  sockets.push(p.socket);
  return p;
}

describe('the realtime SDK with protobufCodec', () => {
  it('connects with format=protobuf and gets replies, errors and pushes', async () => {
    const pb = await player(server, 'pbsdk', true);
    const [session] = server.realtime.sessions.byUser(pb.session.userId);
    expect(session!.carrier.format).toBe('protobuf');
    expect(await pb.socket.rpc('echo', 'round trip')).toBe('round trip');
    const failed = await pb.socket.rpc('missing').catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RealtimeRequestError);
    expect(failed).toMatchObject({ code: 6 });
    expect(await pb.socket.ping()).toBeGreaterThanOrEqual(0);
  });

  it('shares a match and a chat room with a JSON socket; data arrives as bytes either way', async () => {
    const [pb, json] = [await player(server, 'pbsdk', true), await player(server, 'jsonsdk', false)];
    const match = await pb.socket.createMatch();
    await json.socket.joinMatch(match.match_id);
    await until(pb.socket, 'match_presence_event', (e) => !!e.body.joins?.length);
    json.socket.sendMatchData(match.match_id, 7, new Uint8Array([0, 128, 255]));
    const got = await until(pb.socket, 'match_data');
    expect(got.body.op_code).toBe(7);
    expect([...got.body.data]).toEqual([0, 128, 255]);
    pb.socket.sendMatchData(match.match_id, 0, 'émoji ✓');
    const back = await until(json.socket, 'match_data');
    expect(back.body.op_code).toBe(0);
    expect(new TextDecoder().decode(back.body.data)).toBe('émoji ✓');

    const room = await pb.socket.joinChat(`sdk-pb-${Date.now()}`);
    await json.socket.joinChat(room.room_name!);
    await json.socket.writeChatMessage(room.id, { text: 'to pb' });
    const message = await until(pb.socket, 'channel_message');
    expect(message.body).toMatchObject({ channel_id: room.id, content: '{"text":"to pb"}' });
    expect(message.body.create_time).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('reconnects and resumes in the binary format after a server restart', async () => {
    const host = new RestartableServer();
    cleanup.push(() => host.dispose());
    await host.start();
    const [pb, json] = [
      await player(host.server, 'pbresume', true),
      await player(host.server, 'jsonresume', false),
    ];
    // Named, so resuming finds it again (by its name) once the restarted server has forgotten it.
    const match = await pb.socket.createMatch('sdk-pb-arena');
    await json.socket.createMatch('sdk-pb-arena');
    await host.stop();
    await host.start();
    const back = await until(pb.socket, 'reconnected');
    expect(back.resumed).toContainEqual({ kind: 'match', matchId: match.match_id, name: 'sdk-pb-arena' });
    await until(json.socket, 'reconnected');
    expect(pb.socket.sendMatchData(match.match_id, 3, 'after restart')).toBe(true);
    expect(new TextDecoder().decode((await until(json.socket, 'match_data')).body.data)).toBe(
      'after restart',
    );
  });
});
