/**
 * Match ids: Nakama's `"<uuid>.<node>"` form. A relayed match has an empty node (`"<uuid>."`); an
 * authoritative match names the node that runs it (`"<uuid>.tether"`). Clients treat the id as an
 * opaque string, so keeping Nakama's shape costs nothing and lets ids round-trip through any Nakama SDK.
 *
 * @packageDocumentation
 */
import { createHash, randomUUID } from 'node:crypto';

/** The RFC 4122 DNS namespace; Nakama derives named relayed matches from it (uuid v5). */
export const DNS_NAMESPACE = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A parsed match id. */
export interface MatchIdParts {
  /** Lower-case canonical uuid: the stream subject of the match. */
  readonly uuid: string;
  /** `""` for a relayed match, the node name for an authoritative one. */
  readonly node: string;
}

/**
 * Parses a match id. Returns `null` for anything that is not `<uuid>.<node>` with a canonical uuid
 * (any case) and a node without dots, which callers report as Nakama's "Invalid match ID".
 */
export function parseMatchId(id: string): MatchIdParts | null {
  const dot = id.indexOf('.');
  if (dot !== 36) return null;
  const uuid = id.slice(0, dot).toLowerCase();
  const node = id.slice(dot + 1);
  if (!UUID_RE.test(uuid) || node.includes('.')) return null;
  return { uuid, node };
}

/** Formats a match id from its parts. */
export function formatMatchId(uuid: string, node = ''): string {
  return `${uuid}.${node}`;
}

/** A fresh relayed match id, `"<random uuid>."`. */
export function newRelayedMatchId(): string {
  return formatMatchId(randomUUID());
}

/**
 * The relayed match id for a match name: uuid v5 of the name in the DNS namespace, as Nakama does, so
 * the same name always gives the same match (on Tether and on Nakama).
 */
export function namedMatchId(name: string): string {
  return formatMatchId(uuidV5(name, DNS_NAMESPACE));
}

/** RFC 4122 version 5 (SHA-1, name-based) uuid of `name` (UTF-8) in `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
