import type { OutboundMessage } from './outbound.ts';
import type { StreamKey } from './stream.ts';

/**
 * Who a presence belongs to when it is tracked: a session, by id, and its user. Features pass the
 * session itself (it has these fields); the tracker keeps only the ids, never the object.
 */
export interface PresenceOwner {
  /** The session id. */
  readonly id: string;
  readonly userId: string;
  readonly username: string;
  /**
   * The node the session is connected to, when it is not this one (a cluster: an operation run on the
   * node that owns a party or a match, on behalf of a session elsewhere). Absent: this node.
   */
  readonly node?: string;
}

/**
 * What the message router needs to deliver to a connected session on this node. The session layer
 * implements it; the presence layer never sees sockets.
 */
export interface SessionHandle extends PresenceOwner {
  /** Queues a message for this session, in order. Never throws; a full queue closes the session. */
  deliver(message: OutboundMessage): void;
}

/**
 * A presence's address: the node its session is connected to and the session id. Session ids are
 * UUIDs, unique across nodes, so maps may key by `sessionId` alone; `node` says where to deliver.
 */
export interface PresenceId {
  readonly node: string;
  readonly sessionId: string;
}

/** Per-presence data that travels with joins and leaves. */
export interface PresenceMeta {
  readonly username: string;
  /** Hidden presences are tracked (they receive stream traffic) but never listed or announced. */
  readonly hidden?: boolean;
  /** For chat: whether the member's messages are persisted. */
  readonly persistence?: boolean;
  /** For the status stream: the user's status text. */
  readonly status?: string;
}

/** One session's membership of one stream. */
export interface Presence extends PresenceId {
  readonly userId: string;
  readonly stream: StreamKey;
  readonly meta: PresenceMeta;
}

/** Why a presence left (carried to listeners; match handlers and logs use it). */
export type LeaveReason = 'leave' | 'disconnect' | 'kick' | 'update';

/** Joins and leaves on one stream, batched: delivered after the handler that caused them returns. */
export interface PresenceEvent {
  readonly stream: StreamKey;
  readonly joins: readonly Presence[];
  readonly leaves: readonly Presence[];
}
