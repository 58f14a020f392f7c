/**
 * Validation of one client message body, shared by the JSON decoder (`envelope.ts`) and the protobuf
 * decoder (`protobuf/codec.ts`): both turn their wire form into the same JSON-shaped body and hand it
 * here, so the two formats accept exactly the same messages and report exactly the same errors.
 *
 * @packageDocumentation
 */

import type * as z from 'zod';
import type { DecodedEnvelope } from './envelope.ts';
import { RealtimeError, RealtimeErrorCode } from './error-codes.ts';
import { fastMatchDataSend, fastPartyDataSend } from './fast-decode.ts';
import { type ClientMessageKey, clientMessageSchemas, SERVER_MESSAGE_KEYS } from './messages.ts';

/** Keys only the server sends; a client sending one gets UNRECOGNIZED_PAYLOAD, as in Nakama. */
export const SERVER_ONLY_KEYS: Readonly<Record<string, true>> = Object.freeze(
  Object.fromEntries(
    SERVER_MESSAGE_KEYS.filter((k) => !Object.hasOwn(clientMessageSchemas, k)).map((k) => [k, true] as const),
  ),
);

/** Describes a JSON value's kind for "expected X, got Y" texts. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * Builds the zod error map for one message key: it names the field as `<key>.<path>`. Only issues
 * without their own message reach it, so Nakama's fixed texts pass through untouched.
 */
function errorMapFor(key: string): z.core.$ZodErrorMap {
  return (issue) => {
    const field = issue.path && issue.path.length > 0 ? `${key}.${issue.path.join('.')}` : key;
    const reason = (issue as { params?: { reason?: unknown } }).params?.reason;
    if (typeof reason === 'string') return `Invalid ${field}: ${reason}`;
    if (issue.code === 'invalid_type') {
      const expected = issue.expected === 'record' ? 'object' : issue.expected;
      return `Invalid ${field}: expected ${expected}, got ${kindOf(issue.input)}`;
    }
    return `Invalid ${field}`;
  };
}

/** Parse parameters per message key, built once (immutable), so decoding allocates no closures. */
const PARSE_PARAMS: Readonly<Record<string, { error: z.core.$ZodErrorMap }>> = Object.freeze(
  Object.fromEntries(Object.keys(clientMessageSchemas).map((k) => [k, { error: errorMapFor(k) }])),
);

/**
 * Validates the JSON-shaped body of one client message and returns the decoded envelope. The hot
 * `match_data_send` and `party_data_send` go through their hand-written fast decoders first.
 *
 * @param messageKey - the envelope member
 * @param body - its body in proto3 JSON shape (as parsed from JSON, or converted from protobuf)
 * @param cid - the envelope's cid; `undefined` when absent or empty
 * @throws {@link RealtimeError} BAD_INPUT with Nakama's text (or "Invalid <key>.<field>: …"), cid set
 */
export function validateClientMessage(
  messageKey: ClientMessageKey,
  body: unknown,
  cid: string | undefined,
): DecodedEnvelope {
  const fast =
    messageKey === 'match_data_send'
      ? fastMatchDataSend(body)
      : messageKey === 'party_data_send'
        ? fastPartyDataSend(body)
        : undefined;
  if (fast !== undefined) {
    const decoded = { type: messageKey, body: fast } as DecodedEnvelope;
    if (cid !== undefined) decoded.cid = cid;
    return decoded;
  }
  const result = clientMessageSchemas[messageKey].safeParse(body, PARSE_PARAMS[messageKey]);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = issue?.path.length ? `${messageKey}.${issue.path.join('.')}` : messageKey;
    throw new RealtimeError(RealtimeErrorCode.BAD_INPUT, issue?.message ?? `Invalid ${messageKey}`, {
      cid,
      context: { field: path },
    });
  }
  const decoded = { type: messageKey, body: result.data } as DecodedEnvelope;
  if (cid !== undefined) decoded.cid = cid;
  return decoded;
}
