/**
 * docs/gamemaker.md, replayed at byte level: two copies of the guide's `obj_net` (players A and B)
 * against a real server, sending exactly what the GML sends — the `http_request` login, GameMaker's
 * TCP handshake and 12-byte packets, one JSON envelope per packet written with `buffer_string` (so
 * with a trailing NUL), cids counted from 1 as `rt_request` does — and checking every reply and push
 * the GML reads, down to the close notice at shutdown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Envelope, GmRealtimeClient } from './gm-realtime-client.ts';
import { startTestServer, type TestServer } from './helpers.ts';

/** The Create event's `login()`: `http_request` with the Basic header and a JSON body. */
async function login(server: TestServer, deviceId: string): Promise<string> {
  const res = await fetch(`${server.baseUrl}/v2/account/authenticate/device?create=true`, {
    method: 'POST',
    headers: {
      Authorization: `Basic ${Buffer.from('defaultkey:').toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ id: deviceId }),
  });
  // Async - HTTP: http_status 200, then json_parse(result).token.
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** One `obj_net`: login, connect, authenticate, join the lobby, say hello (the guide's first steps). */
async function joinLobby(server: TestServer, deviceId: string) {
  const token = await login(server, deviceId);
  // connect(): network_connect_async to the TCP port; the handshake completes before "succeeded".
  const gml = await GmRealtimeClient.tcp(server.gm!.port);
  // non_blocking_connect succeeded → rt_request("authenticate", { token, status: true }), cid "1".
  const session = await gml.request('authenticate', { token, status: true });
  expect(session).toMatchObject({ cid: '1', session: { user_id: expect.any(String) } });
  // "session" → rt_request("channel_join", { target: "lobby", type: 1 }), cid "2".
  const channel = await gml.request('channel_join', { target: 'lobby', type: 1 });
  const lobbyId = (channel.channel as { id: string }).id;
  expect(lobbyId).toBe('2...lobby');
  // "channel" → rt_request("channel_message_send", { channel_id, content: json_stringify({ text }) }), cid "3".
  const ack = await gml.request('channel_message_send', {
    channel_id: lobbyId,
    content: JSON.stringify({ text: 'hello from GameMaker' }),
  });
  expect(ack).toMatchObject({ cid: '3', channel_message_ack: { channel_id: lobbyId } });
  const userId = (session.session as { user_id: string }).user_id;
  return { gml, lobbyId, userId };
}

/** A `channel_message` push whose content has `field`, as handle_message reads it. */
async function chatWith(gml: GmRealtimeClient, field: string): Promise<Envelope> {
  return gml.waitFor((e) => {
    const chat = e.channel_message as { content?: string } | undefined;
    return !!chat?.content && field in (JSON.parse(chat.content) as object);
  }, `channel_message with ${field}`);
}

describe('docs/gamemaker.md, at byte level', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('logs in, authenticates, chats, plays a relayed match, keeps alive and handles disconnects', async () => {
    server = await startTestServer();
    const a = await joinLobby(server, 'gml-device-A');
    const b = await joinLobby(server, 'gml-device-B');
    // Every GML envelope went out with buffer_string's trailing NUL.
    expect(a.gml.nul).toBe(true);
    // A hears B's hello in the lobby (handle_message's "channel_message" → content.text).
    const hello = await a.gml.waitFor(
      (e) => (e.channel_message as { sender_id?: string } | undefined)?.sender_id === b.userId,
      'B’s hello',
    );
    expect(JSON.parse((hello.channel_message as { content: string }).content)).toEqual({
      text: 'hello from GameMaker',
    });

    // Key Press - Space on A: creating_match = true; rt_request("match_create", {}), cid "4".
    const created = await a.gml.request('match_create', {});
    const matchId = (created.match as { match_id: string }).match_id;
    expect(created).toMatchObject({ cid: '4', match: { size: 1 } });
    // "match" with creating_match → post { match: match_id } in the lobby, cid "5".
    await a.gml.request('channel_message_send', {
      channel_id: a.lobbyId,
      content: JSON.stringify({ match: matchId }),
    });

    // B: a lobby message with "match" → rt_request("match_join", { match_id }), cid "4" for B.
    const posted = await chatWith(b.gml, 'match');
    const target = (JSON.parse((posted.channel_message as { content: string }).content) as { match: string })
      .match;
    const joined = await b.gml.request('match_join', { match_id: target });
    expect(joined).toMatchObject({ cid: '4', match: { match_id: matchId } });
    // A: match_presence_event pushes (its own join first, then B's), read in handle_message.
    const hasPresence = (e: Envelope, kind: 'joins' | 'leaves', userId: string) =>
      ((e.match_presence_event as Record<string, { user_id: string }[]> | undefined)?.[kind] ?? []).some(
        (p) => p.user_id === userId,
      );
    const joinEvent = await a.gml.waitFor((e) => hasPresence(e, 'joins', b.userId), 'B’s join');
    expect(joinEvent.match_presence_event).toMatchObject({ match_id: matchId });

    // B's Step event: rt_send({ match_data_send: { match_id, op_code: 1, data: base64_encode(...) } }).
    b.gml.send({
      match_data_send: {
        match_id: matchId,
        op_code: 1,
        data: Buffer.from(JSON.stringify({ x: 10, y: 20 })).toString('base64'),
      },
    });
    const data = (await a.gml.nextPush('match_data')).match_data as Record<string, unknown>;
    // handle_message: real(op_code) == 1; json_parse(base64_decode(data)).
    expect(data.op_code).toBe('1');
    expect(JSON.parse(Buffer.from(String(data.data), 'base64').toString())).toEqual({ x: 10, y: 20 });
    expect(data.presence).toMatchObject({ user_id: b.userId });

    // Alarm 0: rt_request("ping", {}) → "pong" (cid "6" for A).
    expect(await a.gml.request('ping', {})).toEqual({ cid: '6', pong: {} });

    // B's connection drops: A sees B in the match's leaves.
    b.gml.destroy();
    const leaveEvent = await a.gml.waitFor((e) => hasPresence(e, 'leaves', b.userId), 'B’s leave');
    expect(leaveEvent.match_presence_event).toMatchObject({ match_id: matchId });

    // Shutdown: the close notice (error.code >= 1000) is A's last packet, then the stream ends.
    const stopping = server.close('server shutting down');
    const notice = await a.gml.waitFor((e) => e.cid === undefined && 'error' in e, 'close notice');
    expect(notice).toEqual({ error: { code: 1001, message: 'server shutting down' } });
    await a.gml.ended;
    await stopping;
  });

  it('closes with a notice the GML treats as "log in again" when the token is bad', async () => {
    server = await startTestServer();
    const gml = await GmRealtimeClient.tcp(server.gm!.port);
    const refused = await gml.request('authenticate', { token: 'expired-or-forged', status: true });
    // An error below 1000 (logged), then the close notice 1008 (clears session_token, reconnects).
    expect(refused).toMatchObject({ cid: '1', error: { code: 3 } });
    const notice = await gml.waitFor((e) => e.cid === undefined && 'error' in e, 'close notice');
    expect((notice.error as { code: number }).code).toBe(1008);
    await gml.ended;
  });
});
