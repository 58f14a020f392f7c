/**
 * `RealtimeSocket`: typed methods for the common realtime calls, on top of the generic
 * `request(type, body)` / `send(type, body)` of {@link RealtimeConnection}, which reach every message
 * of the protocol.
 *
 * @packageDocumentation
 */

import {
  type Channel,
  type ChannelMessageAck,
  ChannelType,
  encodeBase64,
  encodeUtf8,
  type Match,
  type MatchDataSend,
  type MatchmakerAdd,
  type MatchmakerTicket,
  type Party,
  type PartyDataSend,
  type PartyJoinRequest,
  type PartyLeader,
  type PartyMatchmakerTicket,
  type Rpc,
  type Status,
  type UserPresence,
} from '@tether/protocol';
import { ClientError, ClientErrorCode } from '../errors.ts';
import { RealtimeConnection } from './connection.ts';
import type { RequestOptions } from './options.ts';

/** Match or party payload: bytes as they are, strings as UTF-8. */
export type RealtimeData = Uint8Array | string;

/** Matchmaking settings of {@link RealtimeSocket.addMatchmaker} and {@link RealtimeSocket.addMatchmakerParty}. */
export interface MatchmakerOptions {
  /** Query over the other tickets' properties (default `*`). */
  query?: string;
  /** Smallest match, ≥ 2 (default 2). */
  minCount?: number;
  /** Largest match (default `minCount`). */
  maxCount?: number;
  /** Match size must be a multiple of this. */
  countMultiple?: number;
  /** String properties, queryable as `properties.<key>`. */
  stringProperties?: Record<string, string>;
  /** Numeric properties. */
  numericProperties?: Record<string, number>;
}

/** Checks an op code and returns its wire form (int64 as a decimal string). */
function opCodeText(opCode: number): string {
  if (!Number.isSafeInteger(opCode) || opCode < 0) {
    throw new ClientError(ClientErrorCode.INVALID_ARGUMENT, `op code must be an integer >= 0, got ${opCode}`);
  }
  return String(opCode);
}

/** Base64 of the payload; only the view's own bytes (nakama-js encoded the whole underlying buffer). */
function dataText(data: RealtimeData | undefined): string | undefined {
  if (data === undefined) return undefined;
  const bytes = typeof data === 'string' ? encodeUtf8(data) : data;
  return bytes.length === 0 ? undefined : encodeBase64(bytes);
}

function matchmakerBody(options: MatchmakerOptions): MatchmakerAdd {
  const minCount = options.minCount ?? 2;
  const body: MatchmakerAdd = {
    query: options.query ?? '*',
    min_count: minCount,
    max_count: options.maxCount ?? minCount,
  };
  if (options.countMultiple !== undefined) body.count_multiple = options.countMultiple;
  if (options.stringProperties) body.string_properties = options.stringProperties;
  if (options.numericProperties) body.numeric_properties = options.numericProperties;
  return body;
}

/**
 * A realtime socket with reconnection and resume. Create it with `createRealtimeSocket(client,
 * session, options)` from `@tether/client` (browsers) or `@tether/client/node`.
 *
 * @example
 * ```ts
 * const socket = createRealtimeSocket(client, session);
 * await socket.connect();
 * const lobby = await socket.joinChat('lobby');
 * await socket.writeChatMessage(lobby.id, { text: 'hi' });
 * // every frame:
 * for (const ev of socket.poll()) if (ev.type === 'channel_message') show(ev.body);
 * ```
 */
export class RealtimeSocket extends RealtimeConnection {
  // --- status ---------------------------------------------------------------------------------------------

  /** Follows users' online status; resolves with their current status presences. Resumed. */
  followUsers(userIds: string[], usernames?: string[], options?: RequestOptions): Promise<Status> {
    const body: Record<string, unknown> = { user_ids: userIds };
    if (usernames?.length) body.usernames = usernames;
    return this.request('status_follow', body, options);
  }

  /** Stops following users. */
  unfollowUsers(userIds: string[], options?: RequestOptions): Promise<void> {
    return this.request('status_unfollow', { user_ids: userIds }, options);
  }

  /** Appears online with `status`, or offline when it is undefined. Resumed. */
  updateStatus(status?: string, options?: RequestOptions): Promise<void> {
    return this.request('status_update', status === undefined ? {} : { status }, options);
  }

  // --- chat -------------------------------------------------------------------------------------------------

  /**
   * Joins a chat channel: a room by name (default), a direct-message channel by the other user's id
   * (`ChannelType.DIRECT_MESSAGE`). Resumed with the same flags.
   */
  joinChat(
    target: string,
    type: ChannelType = ChannelType.ROOM,
    flags: { persistence?: boolean; hidden?: boolean } = {},
    options?: RequestOptions,
  ): Promise<Channel> {
    return this.request('channel_join', { target, type, ...flags }, options);
  }

  /** Leaves a channel. */
  leaveChat(channelId: string, options?: RequestOptions): Promise<void> {
    return this.request('channel_leave', { channel_id: channelId }, options);
  }

  /** Sends a chat message; `content` is an object (or its JSON text). */
  writeChatMessage(
    channelId: string,
    content: object | string,
    options?: RequestOptions,
  ): Promise<ChannelMessageAck> {
    const text = typeof content === 'string' ? content : JSON.stringify(content);
    return this.request('channel_message_send', { channel_id: channelId, content: text }, options);
  }

  /** Edits one of your messages. */
  updateChatMessage(
    channelId: string,
    messageId: string,
    content: object | string,
    options?: RequestOptions,
  ): Promise<ChannelMessageAck> {
    const text = typeof content === 'string' ? content : JSON.stringify(content);
    return this.request(
      'channel_message_update',
      { channel_id: channelId, message_id: messageId, content: text },
      options,
    );
  }

  /** Removes one of your messages. */
  removeChatMessage(
    channelId: string,
    messageId: string,
    options?: RequestOptions,
  ): Promise<ChannelMessageAck> {
    return this.request('channel_message_remove', { channel_id: channelId, message_id: messageId }, options);
  }

  // --- matches ----------------------------------------------------------------------------------------------

  /**
   * Creates a relayed match, or joins the one with this `name` (the same name always gives the same
   * id). Resumed; a named match is even recreated after a server restart, an unnamed one is not.
   */
  createMatch(name?: string, options?: RequestOptions): Promise<Match> {
    return this.request('match_create', name === undefined ? {} : { name }, options);
  }

  /** Joins a relayed or authoritative match by id. Resumed by id. */
  joinMatch(matchId: string, metadata?: Record<string, string>, options?: RequestOptions): Promise<Match> {
    return this.request(
      'match_join',
      metadata ? { match_id: matchId, metadata } : { match_id: matchId },
      options,
    );
  }

  /** Joins with a matchmaker token (valid 30 s). Resumed by the resulting match id. */
  joinMatchByToken(
    token: string,
    metadata?: Record<string, string>,
    options?: RequestOptions,
  ): Promise<Match> {
    return this.request('match_join', metadata ? { token, metadata } : { token }, options);
  }

  /** Leaves a match. */
  leaveMatch(matchId: string, options?: RequestOptions): Promise<void> {
    return this.request('match_leave', { match_id: matchId }, options);
  }

  /**
   * Sends match data to the other members (or to `presences`). Fire and forget: returns false when not
   * connected (nothing is queued). Errors from the server (not a member…) arrive as `error` events.
   *
   * @param opCode - integer ≥ 0 (0 included)
   * @param data - bytes, or a string sent as UTF-8
   */
  sendMatchData(
    matchId: string,
    opCode: number,
    data?: RealtimeData,
    extra: { presences?: UserPresence[]; reliable?: boolean } = {},
  ): boolean {
    const body: MatchDataSend = { match_id: matchId, op_code: opCodeText(opCode) };
    const encoded = dataText(data);
    if (encoded !== undefined) body.data = encoded;
    if (extra.presences?.length) body.presences = extra.presences;
    if (extra.reliable !== undefined) body.reliable = extra.reliable;
    return this.send('match_data_send', body);
  }

  // --- matchmaker -------------------------------------------------------------------------------------------

  /** Adds a matchmaker ticket. Tickets end with the connection (reported in `reconnected.failed`). */
  addMatchmaker(matchmaker: MatchmakerOptions = {}, options?: RequestOptions): Promise<MatchmakerTicket> {
    return this.request('matchmaker_add', matchmakerBody(matchmaker), options);
  }

  /** Removes one of your tickets. */
  removeMatchmaker(ticket: string, options?: RequestOptions): Promise<void> {
    return this.request('matchmaker_remove', { ticket }, options);
  }

  // --- parties ----------------------------------------------------------------------------------------------

  /** Creates a party with you as leader. Resumed (re-joined; leadership is not restored). */
  createParty(
    open: boolean,
    maxSize: number,
    extra: { label?: string; hidden?: boolean } = {},
    options?: RequestOptions,
  ): Promise<Party> {
    return this.request('party_create', { open, max_size: maxSize, ...extra }, options);
  }

  /** Joins an open party, or asks to join a closed one. Resumed once you are a member. */
  joinParty(partyId: string, options?: RequestOptions): Promise<void> {
    return this.request('party_join', { party_id: partyId }, options);
  }

  /** Leaves a party (or withdraws a join request). */
  leaveParty(partyId: string, options?: RequestOptions): Promise<void> {
    return this.request('party_leave', { party_id: partyId }, options);
  }

  /** Closes a party (leader). */
  closeParty(partyId: string, options?: RequestOptions): Promise<void> {
    return this.request('party_close', { party_id: partyId }, options);
  }

  /** Promotes a member to leader (leader). */
  promotePartyMember(
    partyId: string,
    presence: UserPresence,
    options?: RequestOptions,
  ): Promise<PartyLeader> {
    return this.request('party_promote', { party_id: partyId, presence }, options);
  }

  /** Accepts a join request (leader). */
  acceptPartyMember(partyId: string, presence: UserPresence, options?: RequestOptions): Promise<void> {
    return this.request('party_accept', { party_id: partyId, presence }, options);
  }

  /** Removes a member or rejects a join request (leader). */
  removePartyMember(partyId: string, presence: UserPresence, options?: RequestOptions): Promise<void> {
    return this.request('party_remove', { party_id: partyId, presence }, options);
  }

  /** Lists pending join requests (leader). */
  listPartyJoinRequests(partyId: string, options?: RequestOptions): Promise<PartyJoinRequest> {
    return this.request('party_join_request_list', { party_id: partyId }, options);
  }

  /** Sends data to the other members. Fire and forget, like {@link RealtimeSocket.sendMatchData}. */
  sendPartyData(partyId: string, opCode: number, data?: RealtimeData): boolean {
    const body: PartyDataSend = { party_id: partyId, op_code: opCodeText(opCode) };
    const encoded = dataText(data);
    if (encoded !== undefined) body.data = encoded;
    return this.send('party_data_send', body);
  }

  /** Matchmakes as a party (leader). */
  addMatchmakerParty(
    partyId: string,
    matchmaker: MatchmakerOptions = {},
    options?: RequestOptions,
  ): Promise<PartyMatchmakerTicket> {
    return this.request(
      'party_matchmaker_add',
      { party_id: partyId, ...matchmakerBody(matchmaker) },
      options,
    );
  }

  /** Cancels a party ticket (leader). */
  removeMatchmakerParty(partyId: string, ticket: string, options?: RequestOptions): Promise<void> {
    return this.request('party_matchmaker_remove', { party_id: partyId, ticket }, options);
  }

  // --- misc -------------------------------------------------------------------------------------------------

  /** Calls a server function; `payload` is a string or an object sent as JSON. Resolves to its reply payload. */
  async rpc(id: string, payload?: string | object, options?: RequestOptions): Promise<string | undefined> {
    const text = payload === undefined || typeof payload === 'string' ? payload : JSON.stringify(payload);
    // The reply may have no body at all when the function returned nothing.
    const reply: Partial<Rpc> | undefined = await this.request(
      'rpc',
      text === undefined ? { id } : { id, payload: text },
      options,
    );
    return reply?.payload;
  }

  /** Round trip to the server; resolves to the time it took, in ms. */
  async ping(options?: RequestOptions): Promise<number> {
    const start = performance.now();
    await this.request('ping', {}, options);
    return performance.now() - start;
  }
}
