/**
 * Match messages in their wire form, and the errors of the match feature. Shared by relayed and
 * authoritative matches so both look the same to clients.
 *
 * @packageDocumentation
 */
import {
  decodeBase64,
  encodeBase64,
  encodeMatchDataPb,
  type MatchData,
  type MatchPresenceEvent,
  matchDataHeadPb,
  RealtimeErrorCode,
  type UserPresence,
} from '@tether/protocol';
import { OutboundMessage } from '../../presence/outbound.ts';
import type { Presence } from '../../presence/types.ts';
import { DomainError, ErrorKind, invalid, notFound } from '../../shared/domain-error.ts';
import type { MatchPresence } from './match-handler.ts';

/** A tracked presence as match handlers see it (`node`: where its session is connected). */
export function matchPresence(p: Presence): MatchPresence {
  return { userId: p.userId, sessionId: p.sessionId, username: p.meta.username, node: p.node };
}

/**
 * A `match_data` push, encoded once for all its recipients. `op_code` is always present (even "0":
 * nakama-js parses a missing one as NaN), `data` is left out when empty, `reliable` only when true
 * (proto3 JSON).
 */
export function matchDataMessage(
  matchId: string,
  opCode: number,
  base64: string,
  sender: UserPresence | undefined,
  reliable: boolean,
): OutboundMessage {
  const body = matchDataBody(matchId, opCode, base64, sender, reliable);
  return new OutboundMessage({ match_data: body }, 'match_data');
}

function matchDataBody(
  matchId: string,
  opCode: number,
  base64: string,
  sender: UserPresence | undefined,
  reliable: boolean,
): MatchData {
  const body: MatchData = { match_id: matchId, op_code: String(opCode) };
  if (sender) body.presence = sender;
  if (base64 !== '') body.data = base64;
  if (reliable) body.reliable = true;
  return body;
}

/**
 * A relayed match's sender, kept per tracked presence: its wire presence and the parts of its
 * `match_data` text around the op code, so a push's text is a few concatenations instead of a
 * serialization of the whole envelope.
 */
export interface RelayedSender {
  /** The match id as the sender names it (pushes echo it as sent). */
  readonly matchId: string;
  readonly wire: UserPresence;
  /** `{"match_data":{"match_id":<id>,"op_code":"` */
  readonly head: string;
  /** `","presence":<presence JSON>` */
  readonly presence: string;
  /** The `match_id` and `presence` fields of its protobuf `match_data`, made on first protobuf push. */
  pbHead: Uint8Array | undefined;
}

/**
 * A relayed payload: canonical base64 `data`, and the same payload as `bytes` when the sender sent
 * raw bytes (a protobuf `match_data_send` kept as received), whose `data` is then made on first read.
 */
export interface MatchPayload {
  readonly data: string;
  readonly bytes?: Uint8Array | undefined;
}

/** Builds the {@link RelayedSender} of `wire` sending to `matchId`. */
export function relayedSender(wire: UserPresence, matchId: string): RelayedSender {
  return {
    matchId,
    wire,
    head: `{"match_data":{"match_id":${JSON.stringify(matchId)},"op_code":"`,
    presence: `","presence":${JSON.stringify(wire)}`,
    pbHead: undefined,
  };
}

/** Output arrays of protobuf pushes: small ones come from Node's Buffer pool. */
const allocPush = (size: number): Uint8Array => Buffer.allocUnsafe(size);
const NO_BYTES = new Uint8Array(0);

/**
 * The `match_data` push of a relayed send: the same envelope as {@link matchDataMessage} with the
 * sender's presence, each wire form written from the sender's kept parts when a recipient needs it:
 * the JSON text by concatenation (`payload.data` is canonical base64, so it needs no escaping), the
 * protobuf Envelope from the sender's protobuf head and the payload's bytes (decoded from base64
 * only when the sender sent text). A protobuf-to-protobuf relay never converts the payload.
 */
export function relayedDataMessage(
  from: RelayedSender,
  opCode: number,
  payload: MatchPayload,
  reliable: boolean,
): OutboundMessage {
  return OutboundMessage.fromParts(
    'match_data',
    () => {
      let text = from.head + String(opCode) + from.presence;
      const base64 = payload.data;
      if (base64 !== '') text += `,"data":"${base64}"`;
      return reliable ? `${text},"reliable":true}}` : `${text}}}`;
    },
    // An op code the relay refuses (negative) is left to the generic encoder, should one get here.
    isValidOpCode(opCode)
      ? () => {
          from.pbHead ??= matchDataHeadPb(from.matchId, from.wire);
          const bytes = payload.bytes ?? decodeBase64(payload.data) ?? NO_BYTES;
          return encodeMatchDataPb(from.pbHead, opCode, bytes, reliable, allocPush);
        }
      : undefined,
  );
}

/** A `match_presence_event` push; empty lists are left out. */
export function presenceEventMessage(
  matchId: string,
  joins: readonly UserPresence[],
  leaves: readonly UserPresence[],
): OutboundMessage {
  const body: MatchPresenceEvent = { match_id: matchId };
  if (joins.length > 0) body.joins = [...joins];
  if (leaves.length > 0) body.leaves = [...leaves];
  return new OutboundMessage({ match_presence_event: body });
}

/** Text or bytes from game code as base64 (text is sent as UTF-8). */
export function dataToBase64(data: string | Uint8Array | null | undefined): string {
  if (data === null || data === undefined) return '';
  if (typeof data === 'string') return data === '' ? '' : Buffer.from(data, 'utf8').toString('base64');
  if (data instanceof Uint8Array) return encodeBase64(data);
  throw new TypeError(`match data must be a string or a Uint8Array, got ${typeof data}`);
}

/** Size in bytes of the data a canonical (padded) base64 text decodes to. */
export function base64DecodedLength(base64: string): number {
  if (base64 === '') return 0;
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

/** True for an op code Tether accepts: a safe integer ≥ 0 (int64 on the wire, a JS number here). */
export function isValidOpCode(opCode: number): boolean {
  return Number.isSafeInteger(opCode) && opCode >= 0;
}

/** Errors of the match feature, each with its Nakama code and a message that says what was wrong. */
export const matchErrors = {
  invalidId: (id: string) =>
    invalid(`Invalid match ID: '${id.slice(0, 80)}'`, {
      context: { match_id: id.slice(0, 80) },
    }),
  notFound: (id: string) =>
    notFound('Match not found', { socketCode: RealtimeErrorCode.MATCH_NOT_FOUND, context: { match_id: id } }),
  rejected: (id: string, reason: string) =>
    new DomainError(ErrorKind.PERMISSION_DENIED, reason, {
      socketCode: RealtimeErrorCode.MATCH_JOIN_REJECTED,
      context: { match_id: id },
    }),
  notMember: (id: string) =>
    invalid('Match data dropped: you are not a member of this match (join it first)', {
      context: { match_id: id },
    }),
  badOpCode: (id: string, opCode: number) =>
    invalid(`Invalid op code ${opCode}: must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}`, {
      context: { match_id: id },
    }),
  dataTooLarge: (id: string, size: number, limit: number) =>
    invalid(`Match data too large: ${size} bytes exceeds the limit of ${limit} bytes`, {
      context: { match_id: id, limit: String(limit) },
    }),
  inputQueueFull: (id: string, limit: number) =>
    invalid(`Match input queue full: message dropped (at most ${limit} messages per match per tick)`, {
      context: { match_id: id, limit: String(limit) },
    }),
} as const;
