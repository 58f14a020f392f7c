/**
 * Presences on the cluster bus: the compact forms of the replicated tracker's deltas, snapshots and
 * commands, with their schemas.
 *
 * @packageDocumentation
 */
import { z } from 'zod';
import type { PresenceMeta } from '../presence/types.ts';

const sessionId = z.string().min(1).max(64);
const userId = z.string().min(1).max(64);
/** A stream id (`mode.subject.subcontext.label`); parsed by the receiver. */
const streamId = z.string().min(3).max(4096);

/** Presence meta on the wire: username, then only the flags that are set. */
export const WireMeta = z.object({
  n: z.string().max(256),
  h: z.literal(1).optional(),
  p: z.literal(1).optional(),
  s: z.string().max(4096).optional(),
});
/** See {@link WireMeta}. */
export type WireMeta = z.infer<typeof WireMeta>;

/** One presence of the owner: session, user, stream, meta. */
export const WirePresence = z.tuple([sessionId, userId, streamId, WireMeta]);
/** See {@link WirePresence}. */
export type WirePresence = z.infer<typeof WirePresence>;

/** One change of the owner's presences: added, removed, meta replaced. */
export const PresenceOp = z.union([
  z.tuple([z.literal('+'), sessionId, userId, streamId, WireMeta]),
  z.tuple([z.literal('-'), sessionId, streamId]),
  z.tuple([z.literal('~'), sessionId, streamId, WireMeta]),
]);
/** See {@link PresenceOp}. */
export type PresenceOp = z.infer<typeof PresenceOp>;

/** A delta of the presence table: the owner's changes of one operation, in order. */
export const PresenceDelta = z.array(PresenceOp).min(1).max(100_000);
/** The presence table's snapshot: every presence of the owner. */
export const PresenceSnapshot = z.array(WirePresence).max(10_000_000);

/**
 * A request to the node a session is on, from a node that runs an operation for it (a party's or a
 * match's owner): track it (`t`), replace its meta (`u`), untrack it (`x`).
 */
export const PresenceCommand = z.union([
  z.tuple([z.literal('t'), sessionId, streamId, WireMeta]),
  z.tuple([z.literal('u'), sessionId, streamId, WireMeta]),
  z.tuple([z.literal('x'), sessionId, streamId]),
]);
/** See {@link PresenceCommand}. */
export type PresenceCommand = z.infer<typeof PresenceCommand>;
/** Commands sent together. */
export const PresenceCommands = z.array(PresenceCommand).min(1).max(100_000);

/** Meta in its wire form. */
export function toWireMeta(meta: PresenceMeta): WireMeta {
  const out: WireMeta = { n: meta.username };
  if (meta.hidden) out.h = 1;
  if (meta.persistence) out.p = 1;
  if (meta.status !== undefined) out.s = meta.status;
  return out;
}

/** Meta from its wire form. */
export function fromWireMeta(wire: WireMeta): PresenceMeta {
  const out: { username: string; hidden?: boolean; persistence?: boolean; status?: string } = {
    username: wire.n,
  };
  if (wire.h) out.hidden = true;
  if (wire.p) out.persistence = true;
  if (wire.s !== undefined) out.status = wire.s;
  return out;
}

/** Whether two metas are the same (a snapshot entry that needs no change). */
export function sameMeta(a: PresenceMeta, b: PresenceMeta): boolean {
  return (
    a.username === b.username &&
    Boolean(a.hidden) === Boolean(b.hidden) &&
    Boolean(a.persistence) === Boolean(b.persistence) &&
    a.status === b.status
  );
}
