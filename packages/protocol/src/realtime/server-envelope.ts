/**
 * Decoding of server-to-client envelopes, for client SDKs: replies (`{"cid":"2","channel":{…}}`,
 * `{"cid":"2"}`, `{"cid":"2","error":{…}}`) and pushes (no `cid`).
 *
 * The server is trusted for the shape of bodies (they are typed, not schema-checked, to keep the
 * receive path cheap), but everything a client would otherwise have to re-parse by hand is decoded
 * here once: `match_data.data` and `party_data.data` become bytes (standard or URL-safe base64) and
 * their `op_code` a number, because those are the two fields every game touches on every message and
 * the ones Nakama clients get wrong (op code 0 read as NaN, subarray views encoded whole).
 *
 * Forward compatibility: a message key this version does not know is returned as `type: 'unknown'`
 * with its key and body, never thrown, so an SDK keeps working against a newer server.
 *
 * @packageDocumentation
 */

import { decodeBase64 } from './base64.ts';
import { RealtimeError, RealtimeErrorCode } from './error-codes.ts';
import type { MatchData } from './match.ts';
import { SERVER_MESSAGE_KEYS, type ServerMessageKey } from './message-keys.ts';
import type { ServerMessages } from './messages.ts';
import type { PartyData } from './party.ts';

/** `match_data` as a client sees it: the op code as a number, the payload as bytes. */
export interface DecodedMatchData extends Omit<MatchData, 'op_code' | 'data'> {
  /** Op code (`int64` on the wire, a decimal string), as a safe integer. */
  op_code: number;
  /** Payload bytes; empty when the server left `data` out. */
  data: Uint8Array;
}

/** `party_data` as a client sees it: the op code as a number, the payload as bytes. */
export interface DecodedPartyData extends Omit<PartyData, 'op_code' | 'data'> {
  /** Op code as a safe integer. */
  op_code: number;
  /** Payload bytes; empty when absent. */
  data: Uint8Array;
}

/** Body of each server-to-client message after {@link decodeServerEnvelope}. */
export type DecodedServerMessages = Omit<ServerMessages, 'match_data' | 'party_data'> & {
  match_data: DecodedMatchData;
  party_data: DecodedPartyData;
};

/** A decoded known message: `switch (env.type)` narrows `body`. */
export type KnownServerEnvelope = {
  [K in ServerMessageKey]: { cid?: string; type: K; body: DecodedServerMessages[K] };
}[ServerMessageKey];

/** A reply that carries no message: `{"cid":"2"}` (operations that return nothing). */
export interface EmptyServerEnvelope {
  cid?: string;
  type: 'empty';
  body: undefined;
}

/** A message key this version does not know (a newer server); kept so nothing is silently lost. */
export interface UnknownServerEnvelope {
  cid?: string;
  type: 'unknown';
  /** The envelope key that was not recognised. */
  key: string;
  body: unknown;
}

/** Any decoded server-to-client envelope. */
export type DecodedServerEnvelope = KnownServerEnvelope | EmptyServerEnvelope | UnknownServerEnvelope;

/** Lookup set for the known keys, built once and never mutated. */
const KNOWN_KEYS: ReadonlySet<string> = new Set<string>(SERVER_MESSAGE_KEYS);

/** The error thrown for a frame the server should never have sent. */
function malformed(detail: string, cid?: string): RealtimeError {
  return new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, `Malformed server message: ${detail}`, {
    cid,
  });
}

/** Reads an `int64` op code (a decimal string, or a JSON number from lenient servers). */
function opCode(value: unknown, key: string, cid: string | undefined): number {
  if (value === undefined || value === null) return 0;
  const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
    throw malformed(`${key}.op_code is not an integer in the safe range`, cid);
  }
  return n;
}

/** Decodes the base64 `data` of match and party data; absent means no bytes. */
function payload(value: unknown, key: string, cid: string | undefined): Uint8Array {
  if (value === undefined || value === null || value === '') return new Uint8Array(0);
  const bytes = typeof value === 'string' ? decodeBase64(value) : undefined;
  if (bytes === undefined) throw malformed(`${key}.data is not base64`, cid);
  return bytes;
}

/** Reads `cid`: a string; a safe integer is tolerated; `""` and null mean none. */
function readCid(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw malformed('cid is not a string');
}

/**
 * Decodes one server text frame (a trailing NUL, as a GameMaker-framed server might add, is
 * tolerated).
 *
 * @param text - the frame's text
 * @returns the message key and body, `type: 'empty'` for a bare `{cid}` reply, or `type: 'unknown'`
 * @throws {@link RealtimeError} (UNRECOGNIZED_PAYLOAD) for text that is not a JSON object, a body that is
 *   not an object, more than one message, or undecodable match/party data; `err.cid` is set when the
 *   cid could be read, so a client can fail that one request instead of waiting for its timeout
 */
export function decodeServerEnvelope(text: string): DecodedServerEnvelope {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  let parsed: unknown;
  try {
    parsed = JSON.parse(end === text.length ? text : text.slice(0, end));
  } catch (e) {
    throw malformed(`not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw malformed('expected a JSON object');
  }
  const envelope = parsed as Record<string, unknown>;
  const cid = readCid(envelope.cid);
  let key: string | undefined;
  for (const k of Object.keys(envelope)) {
    // proto3 JSON: null means "not set", for the oneof members too.
    if (k === 'cid' || envelope[k] === null) continue;
    if (key !== undefined) throw malformed(`more than one message (${key}, ${k})`, cid);
    key = k;
  }
  const withCid = <T extends object>(env: T): T => (cid === undefined ? env : { cid, ...env });
  if (key === undefined) return withCid({ type: 'empty', body: undefined });
  const body = envelope[key];
  if (!KNOWN_KEYS.has(key)) return withCid({ type: 'unknown', key, body });
  if (typeof body !== 'object' || Array.isArray(body)) throw malformed(`${key} is not an object`, cid);
  if (key === 'match_data' || key === 'party_data') {
    const raw = body as Record<string, unknown>;
    const decoded = { ...raw, op_code: opCode(raw.op_code, key, cid), data: payload(raw.data, key, cid) };
    return withCid({ type: key, body: decoded } as KnownServerEnvelope);
  }
  return withCid({ type: key, body } as KnownServerEnvelope);
}
