/**
 * Nakama-compatible realtime envelope: wire types, zod schemas for client messages, and the codec.
 *
 * Pure: no `node:` imports and no `Buffer`, so it runs in browsers as well as on the server.
 *
 * @packageDocumentation
 */

// Every export of these modules is public. fields.ts and matchmaker.ts also export helpers for the
// other schema modules, so only their public names are listed.
export * from './authenticate.ts';
export * from './base64.ts';
export * from './channel-type.ts';
export * from './chat.ts';
export * from './envelope.ts';
export * from './error-codes.ts';
export * from './match.ts';
export {
  type MatchmakerAdd,
  type MatchmakerMatched,
  type MatchmakerRemove,
  type MatchmakerTicket,
  type MatchmakerUser,
  matchmakerAddSchema,
  matchmakerRemoveSchema,
} from './matchmaker.ts';
export * from './messages.ts';
export * from './notifications.ts';
export * from './party.ts';
export * from './presence.ts';
export * from './protobuf/index.ts';
export * from './resume.ts';
export * from './rpc.ts';
export * from './server-envelope.ts';
export * from './status.ts';
export type * from './streams.ts';
export { utf8ByteLength } from './text.ts';
export * from './timestamp.ts';
