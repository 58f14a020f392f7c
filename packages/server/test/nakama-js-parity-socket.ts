/**
 * The socket calls of nakama-js-parity.test.ts: one entry per request method of nakama-js 2.8.0's
 * `DefaultSocket`, with the arguments a game would pass and how Tether answers (over JSON and over
 * protobuf). A status here is a promise: changing one is a decision, and docs/protocol.md shows the table.
 */
import type { Client, DefaultSocket, Presence, Session } from '@heroiclabs/nakama-js';
import type { TestServer } from './helpers.ts';
import { uniq } from './nakama-js-parity-rest.ts';

/** Two fresh users, each with an open socket. */
export interface SocketContext {
  readonly client: Client;
  readonly server: TestServer;
  readonly a: { session: Session; socket: DefaultSocket };
  readonly b: { session: Session; socket: DefaultSocket };
  readonly protobuf: boolean;
}

/** A socket request and how it ends: `ok`, or `error <code>` (over protobuf when `pb` differs). */
export interface SocketCall {
  readonly status: 'ok' | `error ${number}`;
  readonly pb?: 'ok' | `error ${number}`;
  readonly note?: string;
  readonly call: (ctx: SocketContext) => Promise<unknown>;
}

/** The presence of a user's only session, as the server knows it. */
function presenceOf(ctx: SocketContext, session: Session): Presence {
  const [s] = ctx.server.realtime.sessions.byUser(session.user_id!);
  return { user_id: s!.userId, session_id: s!.id, username: s!.username, node: '' } as Presence;
}

async function party(ctx: SocketContext, open: boolean, join = false): Promise<string> {
  const { party_id } = await ctx.a.socket.createParty(open, 4);
  if (join) await ctx.b.socket.joinParty(party_id);
  return party_id;
}

async function chat(ctx: SocketContext): Promise<{ channel: string; message: string }> {
  const ch = await ctx.a.socket.joinChat(uniq('parity-room-'), 1, true, false);
  const ack = await ctx.a.socket.writeChatMessage(ch.id, { n: 1 });
  return { channel: ch.id, message: ack.message_id };
}

export const SOCKET_CALLS: Readonly<Record<string, SocketCall>> = {
  acceptPartyMember: {
    status: 'ok',
    call: async (c) => {
      const id = await party(c, false, true);
      return c.a.socket.acceptPartyMember(id, presenceOf(c, c.b.session));
    },
  },
  addMatchmaker: {
    status: 'ok',
    note: 'nakama-js-protobuf 1.4.0 never sends `count_multiple`',
    call: (c) => c.a.socket.addMatchmaker('*', 2, 2, { mode: 'parity' }),
  },
  addMatchmakerParty: {
    status: 'ok',
    call: async (c) => c.a.socket.addMatchmakerParty(await party(c, true), '*', 2, 4),
  },
  closeParty: { status: 'ok', call: async (c) => c.a.socket.closeParty(await party(c, true)) },
  createMatch: {
    status: 'ok',
    note: 'nakama-js-protobuf 1.4.0 sends no match name: `createMatch(name)` creates an unnamed match',
    call: (c) => c.a.socket.createMatch(),
  },
  createParty: { status: 'ok', call: (c) => c.a.socket.createParty(true, 4) },
  followUsers: { status: 'ok', call: (c) => c.a.socket.followUsers([c.b.session.user_id!]) },
  joinChat: { status: 'ok', call: (c) => c.a.socket.joinChat(uniq('parity-room-'), 1, true, false) },
  joinMatch: {
    status: 'ok',
    call: async (c) => c.b.socket.joinMatch((await c.a.socket.createMatch()).match_id),
  },
  joinParty: { status: 'ok', call: async (c) => c.b.socket.joinParty(await party(c, true)) },
  leaveChat: {
    status: 'ok',
    call: async (c) => c.a.socket.leaveChat((await chat(c)).channel),
  },
  leaveMatch: {
    status: 'ok',
    call: async (c) => c.a.socket.leaveMatch((await c.a.socket.createMatch()).match_id),
  },
  leaveParty: { status: 'ok', call: async (c) => c.b.socket.leaveParty(await party(c, true, true)) },
  listPartyJoinRequests: {
    status: 'ok',
    call: async (c) => c.a.socket.listPartyJoinRequests(await party(c, false, true)),
  },
  promotePartyMember: {
    status: 'ok',
    call: async (c) => c.a.socket.promotePartyMember(await party(c, true, true), presenceOf(c, c.b.session)),
  },
  removeChatMessage: {
    status: 'ok',
    call: async (c) => {
      const { channel, message } = await chat(c);
      return c.a.socket.removeChatMessage(channel, message);
    },
  },
  removeMatchmaker: {
    status: 'ok',
    call: async (c) => c.a.socket.removeMatchmaker((await c.a.socket.addMatchmaker('*', 2, 2)).ticket),
  },
  removeMatchmakerParty: {
    status: 'ok',
    call: async (c) => {
      const id = await party(c, true);
      const { ticket } = await c.a.socket.addMatchmakerParty(id, '*', 2, 4);
      return c.a.socket.removeMatchmakerParty(id, ticket);
    },
  },
  removePartyMember: {
    status: 'ok',
    call: async (c) => c.a.socket.removePartyMember(await party(c, true, true), presenceOf(c, c.b.session)),
  },
  rpc: { status: 'ok', call: (c) => c.a.socket.rpc('parity_echo', 'x') },
  sendMatchState: {
    status: 'ok',
    note: 'no reply (as Nakama); protobuf carries the data as bytes',
    call: async (c) => c.a.socket.sendMatchState((await c.a.socket.createMatch()).match_id, 1, 'x'),
  },
  sendPartyData: {
    status: 'ok',
    note: 'no reply (as Nakama); protobuf carries the data as bytes',
    call: async (c) => c.a.socket.sendPartyData(await party(c, true), 1, 'x'),
  },
  unfollowUsers: { status: 'ok', call: (c) => c.a.socket.unfollowUsers([c.b.session.user_id!]) },
  updateChatMessage: {
    status: 'ok',
    call: async (c) => {
      const { channel, message } = await chat(c);
      return c.a.socket.updateChatMessage(channel, message, { n: 2 });
    },
  },
  updateStatus: { status: 'ok', call: (c) => c.a.socket.updateStatus('parity') },
  writeChatMessage: { status: 'ok', call: async (c) => (await chat(c)).message },
};
