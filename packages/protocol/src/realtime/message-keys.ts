/**
 * The envelope keys the server sends. Kept apart from the message schemas (`messages.ts`) so that
 * decoding server envelopes, which the client SDK does, needs no schema library.
 *
 * @packageDocumentation
 */

/**
 * Every server-to-client key. `rpc`, `ping`, `pong`, `party_close` and `party_update` also appear in
 * `CLIENT_MESSAGE_KEYS`: they travel both ways with the same body.
 */
export const SERVER_MESSAGE_KEYS = [
  'channel',
  'channel_message',
  'channel_message_ack',
  'channel_presence_event',
  'error',
  'match',
  'match_data',
  'match_presence_event',
  'matchmaker_matched',
  'matchmaker_ticket',
  'notifications',
  'rpc',
  'status',
  'status_presence_event',
  'stream_data',
  'stream_presence_event',
  'ping',
  'pong',
  'party',
  'party_leader',
  'party_close',
  'party_join_request',
  'party_matchmaker_ticket',
  'party_data',
  'party_presence_event',
  'party_update',
  'session',
  'session_resume',
] as const;

/** Envelope key of a message the server may send. */
export type ServerMessageKey = (typeof SERVER_MESSAGE_KEYS)[number];
