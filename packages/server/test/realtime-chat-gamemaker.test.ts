import { Client } from '@heroiclabs/nakama-js';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestStore, testBackends } from './backends.ts';
import { GmRealtimeClient } from './gm-realtime-client.ts';
import type { TestServer } from './helpers.ts';
import { type ChatUser, connectUser } from './nakama-chat.ts';
import { installNakamaShim } from './realtime-helpers.ts';

// A byte-level GameMaker client (handshake, 12-byte framing, one JSON envelope per packet, strings
// NUL-terminated as buffer_string writes them) sharing a chat room with the unmodified nakama-js client.
installNakamaShim();
const backends = await testBackends('chat (GameMaker + nakama-js)');
const carriers = ['tcp', 'ws'] as const;
const cases = backends.flatMap((backend) =>
  carriers.map((carrier) => ({ backend, carrier, name: backend.name })),
);

describe.each(cases)('GameMaker $carrier client in a chat room on $name', ({ backend, carrier }) => {
  let store: TestStore | undefined;
  let server: TestServer | undefined;
  let ann: ChatUser | undefined;
  let gm: GmRealtimeClient | undefined;
  afterEach(async () => {
    ann?.socket.disconnect(false);
    gm?.destroy();
    await server?.stop();
    await store?.dispose();
    [ann, gm, server, store] = [undefined, undefined, undefined, undefined];
  });

  it('joins, sends and receives messages and presence events alongside a nakama-js user', async () => {
    store = backend.newStore();
    server = await store.start();
    const client = new Client('defaultkey', '127.0.0.1', String(server.http.port), false);
    ann = await connectUser(client, 'ann');
    const lobby = await ann.socket.joinChat('lobby', 1, true, false);
    await ann.log.presence(0);

    // GML: http_request for the token, then network_connect_raw_async / network_send_packet.
    const token = await GmRealtimeClient.token(server.baseUrl);
    gm =
      carrier === 'tcp'
        ? await GmRealtimeClient.tcp(server.gm!.port)
        : await GmRealtimeClient.ws(`ws://127.0.0.1:${server.http.port}/gm`);
    const me = await gm.authenticate(token);
    // A game sends only what it needs: persistence and hidden take their defaults.
    const joined = await gm.request('channel_join', { target: 'lobby', type: 1 });
    expect(joined.channel).toEqual({
      id: lobby.id,
      presences: [{ user_id: ann.id, session_id: expect.any(String), username: 'ann', persistence: true }],
      self: { user_id: me.user_id, session_id: me.session_id, username: me.username, persistence: true },
      room_name: 'lobby',
    });
    const gmPresence = {
      user_id: me.user_id,
      session_id: me.session_id,
      username: me.username,
      persistence: true,
    };
    expect(await ann.log.presence(1)).toMatchObject({ channel_id: lobby.id, joins: [gmPresence] });
    expect((await gm.nextPush('channel_presence_event')).channel_presence_event).toEqual({
      channel_id: lobby.id,
      joins: [gmPresence],
      room_name: 'lobby',
    });

    const content = JSON.stringify({ text: 'hello from GameMaker 🎮' });
    const ack = await gm.request('channel_message_send', { channel_id: lobby.id, content });
    expect(ack.channel_message_ack).toMatchObject({ channel_id: lobby.id, code: 0, persistent: true });
    const fromGm = await ann.log.message(0);
    expect(fromGm).toMatchObject({ sender_id: me.user_id, content: { text: 'hello from GameMaker 🎮' } });
    expect((await gm.nextPush('channel_message')).channel_message).toMatchObject({
      content,
      sender_id: me.user_id,
    });

    await ann.socket.writeChatMessage(lobby.id, { text: 'hi GameMaker' });
    expect((await gm.nextPush('channel_message')).channel_message).toMatchObject({
      channel_id: lobby.id,
      sender_id: ann.id,
      username: 'ann',
      content: '{"text":"hi GameMaker"}',
      code: 0,
      persistent: true,
      room_name: 'lobby',
    });

    const bad = await gm.request('channel_message_send', { channel_id: lobby.id, content: 'not json' });
    expect(bad.error).toMatchObject({ code: 3, message: 'Message content must be a valid JSON object' });
    const history = await client.listChannelMessages(ann.session, lobby.id, 10, true);
    expect(history.messages?.map((m) => m.sender_id)).toEqual([me.user_id, ann.id]);

    gm.destroy();
    expect((await ann.log.presence(2)).leaves).toEqual([gmPresence]);
  });
});
