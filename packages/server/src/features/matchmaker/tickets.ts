/**
 * Matchmaker tickets: what a client asks for, how a ticket is built and checked, and its wire form
 * between the nodes of a cluster (every node holds the whole pool).
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import { invalid } from '../../shared/domain-error.ts';
import { newUuid } from '../../shared/ids.ts';
import { parseQuery, QuerySyntaxError } from '../../shared/query/query.ts';
import type { PoolTicket } from './pool.ts';

/** What a client asks for in `matchmaker_add` / `party_matchmaker_add` (decoded bodies). */
export interface TicketRequest {
  readonly min_count: number;
  readonly max_count: number;
  readonly count_multiple?: number | undefined;
  readonly query: string;
  readonly string_properties: Readonly<Record<string, string>>;
  readonly numeric_properties: Readonly<Record<string, number>>;
}

/** Most properties (string and numeric together) on one ticket. */
export const MAX_TICKET_PROPERTIES = 64;
/** Longest property key or string value, in characters. */
export const MAX_PROPERTY_CHARS = 1024;

/** A session in a ticket, and the node it is connected to. */
export interface TicketPresence {
  readonly sessionId: string;
  readonly userId: string;
  readonly username: string;
  readonly node: string;
}

/** A pooled ticket with who it belongs to. */
export interface Ticket extends PoolTicket {
  readonly presences: readonly TicketPresence[];
  /** The node that holds it (its session's or party's node): it alone changes or removes it. */
  readonly node: string;
  /** The query as the client wrote it (other nodes parse it again). */
  readonly queryText: string;
  /** The session that added a player ticket. */
  readonly ownerSession: string | undefined;
  /** The party that added a party ticket. */
  readonly partyId: string | undefined;
}

/**
 * Validates a request and builds its ticket. Throws BAD_INPUT for a malformed query or oversized
 * properties, with `op` (Nakama's error prefix) in front.
 */
export function buildTicket(
  request: TicketRequest,
  op: string,
  owner: {
    readonly node: string;
    readonly presences: readonly TicketPresence[];
    readonly ownerSession: string | undefined;
    readonly partyId: string | undefined;
  },
): Ticket {
  checkProperties(op, request);
  const queryText = request.query === '' ? '*' : request.query;
  let query: PoolTicket['query'];
  try {
    query = parseQuery(queryText);
  } catch (err) {
    if (!(err instanceof QuerySyntaxError)) throw err;
    throw invalid(`${op}: invalid query: ${err.message}`);
  }
  return {
    id: newUuid(),
    node: owner.node,
    sessionIds: owner.presences.map((p) => p.sessionId),
    presences: owner.presences,
    minCount: request.min_count,
    maxCount: request.max_count,
    countMultiple: request.count_multiple ?? 1,
    query,
    queryText,
    stringProperties: { ...request.string_properties },
    numericProperties: { ...request.numeric_properties },
    ownerSession: owner.ownerSession,
    partyId: owner.partyId,
  };
}

function checkProperties(op: string, request: TicketRequest): void {
  const strings = Object.entries(request.string_properties);
  const numbers = Object.entries(request.numeric_properties);
  if (strings.length + numbers.length > MAX_TICKET_PROPERTIES) {
    throw invalid(`${op}: too many properties (at most ${MAX_TICKET_PROPERTIES})`);
  }
  for (const [key, value] of [...strings, ...numbers]) {
    if (key.length > MAX_PROPERTY_CHARS || (typeof value === 'string' && value.length > MAX_PROPERTY_CHARS)) {
      throw invalid(
        `${op}: property "${key.slice(0, 32)}" too long (keys and values at most ${MAX_PROPERTY_CHARS} characters)`,
      );
    }
  }
}

const id = z.string().min(1).max(64);
const text = z.string().max(MAX_PROPERTY_CHARS);
const count = z.number().int().min(1).max(1_000_000);

/** A ticket between nodes. */
export const WireTicket = z.object({
  id,
  ps: z
    .array(z.tuple([id, id, z.string().max(256), z.string().max(64)]))
    .min(1)
    .max(1024),
  min: count,
  max: count,
  mul: count,
  q: z.string().max(64 * 1024),
  sp: z.record(text, text),
  np: z.record(text, z.number()),
  own: id.optional(),
  party: z.string().max(256).optional(),
});
/** See {@link WireTicket}. */
export type WireTicket = z.infer<typeof WireTicket>;

/** A ticket in its wire form. */
export function toWire(t: Ticket): WireTicket {
  const out: WireTicket = {
    id: t.id,
    ps: t.presences.map((p) => [p.sessionId, p.userId, p.username, p.node]),
    min: t.minCount,
    max: t.maxCount,
    mul: t.countMultiple,
    q: t.queryText,
    sp: { ...t.stringProperties },
    np: { ...t.numericProperties },
  };
  if (t.ownerSession !== undefined) out.own = t.ownerSession;
  if (t.partyId !== undefined) out.party = t.partyId;
  return out;
}

/** A ticket of node `node` from its wire form; undefined when its query does not parse. */
export function fromWire(node: string, w: WireTicket): Ticket | undefined {
  let query: PoolTicket['query'];
  try {
    query = parseQuery(w.q);
  } catch {
    return undefined;
  }
  const presences = w.ps.map(([sessionId, userId, username, at]) => ({
    sessionId,
    userId,
    username,
    node: at,
  }));
  return {
    id: w.id,
    node,
    sessionIds: presences.map((p) => p.sessionId),
    presences,
    minCount: w.min,
    maxCount: w.max,
    countMultiple: w.mul,
    query,
    queryText: w.q,
    stringProperties: w.sp,
    numericProperties: w.np,
    ownerSession: w.own,
    partyId: w.party,
  };
}
