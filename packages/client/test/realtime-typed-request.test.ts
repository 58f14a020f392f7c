/**
 * `request(type, body)` is typed by the protocol's message tables: the message name picks the body
 * type (wire snake_case, as @tether/protocol declares it) and the reply type, unknown names and
 * messages without a reply do not compile. The compile-time half is checked by `tsc` (the
 * `@ts-expect-error` lines fail the typecheck if they ever compile); the run-time half sends the same
 * requests to a real server.
 */
import type { Channel, ChannelMessageAck, Match, Status } from '@tether/protocol';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { RealtimeSocket } from '../src/node.ts';
import { connectedPlayer, startTestServer, type TestServer } from './realtime-helpers.ts';

let server: TestServer;
let socket: RealtimeSocket | undefined;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  socket?.disconnect();
  await server.stop();
});

/** Never called: what must not compile. */
export function rejectedAtCompileTime(s: RealtimeSocket): void {
  // @ts-expect-error: no such message
  void s.request('chanel_join', { target: 'lobby', type: 1 });
  // @ts-expect-error: the body of channel_join has `target`, not `room`
  void s.request('channel_join', { room: 'lobby', type: 1 });
  // @ts-expect-error: SDK camelCase is not the wire's snake_case
  void s.request('match_join', { matchId: 'm' });
  // @ts-expect-error: match_data_send has no reply; it goes with send()
  void s.request('match_data_send', { match_id: 'm', op_code: '1' });
  // @ts-expect-error: channel_join is a request, not fire-and-forget
  s.send('channel_join', { target: 'lobby', type: 1 });
}

describe('request typed by message name', () => {
  it('returns each message’s reply type, and the server’s replies match them', async () => {
    ({ socket } = await connectedPlayer(server, 'typed'));
    const channel = await socket.request('channel_join', { target: 'typed-room', type: 1 });
    expectTypeOf(channel).toEqualTypeOf<Channel>();
    expect(channel.id).toBe('2...typed-room');

    const ack = await socket.request('channel_message_send', {
      channel_id: channel.id,
      content: JSON.stringify({ text: 'typed' }),
    });
    expectTypeOf(ack).toEqualTypeOf<ChannelMessageAck>();
    expect(ack.channel_id).toBe(channel.id);

    const match = await socket.request('match_create', {});
    expectTypeOf(match).toEqualTypeOf<Match>();
    expect(match.match_id).toMatch(/\.$/);

    const left = await socket.request('match_leave', { match_id: match.match_id });
    expectTypeOf(left).toEqualTypeOf<undefined>();
    expect(left).toBeUndefined();

    const status = await socket.request('status_follow', { user_ids: [] });
    expectTypeOf(status).toEqualTypeOf<Status>();

    expectTypeOf(socket.send).parameter(0).toEqualTypeOf<'match_data_send' | 'pong' | 'party_data_send'>();
    expect(socket.send('match_data_send', { match_id: match.match_id, op_code: '1' })).toBe(true);
  });
});
