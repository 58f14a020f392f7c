import { OutboundMessage } from './outbound.ts';
import type { StreamKey } from './stream.ts';
import type { Tracker } from './tracker.ts';
import type { PresenceId, SessionHandle } from './types.ts';

/** Finds connected sessions of this node by id (implemented by the session registry). */
export interface SessionLookup {
  get(sessionId: string): SessionHandle | undefined;
}

/**
 * Delivers envelopes to presences. All fan-out goes through here: it resolves each presence id to a
 * connected session (on this node through the session registry; in cluster mode, on other nodes
 * through the bus) and encodes a broadcast once (see {@link OutboundMessage}) however many sessions
 * and carriers receive it.
 */
export interface MessageRouter {
  /**
   * Sends to every presence on a stream (hidden members included), except the session `exclude`,
   * whichever node each is on: in a cluster the message crosses the bus once per other node with
   * members, already encoded.
   */
  sendToStream(stream: StreamKey, envelope: object | OutboundMessage, exclude?: string): void;
  /**
   * Sends to the members of a stream connected to **this node** only. Presence events use it: in a
   * cluster every node applies every presence change and emits its events, so each node delivering to
   * its own members gives every member each event exactly once.
   */
  sendToLocalMembers(stream: StreamKey, envelope: object | OutboundMessage, exclude?: string): void;
  /** Sends to the listed presences that are connected; unknown ones are skipped. */
  sendToPresences(ids: Iterable<PresenceId>, envelope: object | OutboundMessage): void;
  /** Sends to the listed sessions of this node that are connected; unknown ids are skipped. */
  sendToSessions(sessionIds: Iterable<string>, envelope: object | OutboundMessage): void;
  /** Sends to one session of this node, if connected. Returns whether it was. */
  sendToSession(sessionId: string, envelope: object | OutboundMessage): boolean;
}

/**
 * The single-node router over a {@link Tracker} and a {@link SessionLookup}. Every presence is this
 * node's; one on another node (which cannot happen without a cluster) is skipped.
 */
export class LocalMessageRouter implements MessageRouter {
  readonly #node: string;
  readonly #tracker: Tracker;
  readonly #sessions: SessionLookup;

  constructor(deps: { node: string; tracker: Tracker; sessions: SessionLookup }) {
    this.#node = deps.node;
    this.#tracker = deps.tracker;
    this.#sessions = deps.sessions;
  }

  sendToStream(stream: StreamKey, envelope: object | OutboundMessage, exclude?: string): void {
    this.sendToLocalMembers(stream, envelope, exclude);
  }

  sendToLocalMembers(stream: StreamKey, envelope: object | OutboundMessage, exclude?: string): void {
    const local = this.#tracker.membersByNode(stream).get(this.#node);
    if (!local) return;
    const message = toMessage(envelope);
    for (const sessionId of local.keys()) {
      if (sessionId !== exclude) this.#sessions.get(sessionId)?.deliver(message);
    }
  }

  sendToPresences(ids: Iterable<PresenceId>, envelope: object | OutboundMessage): void {
    const message = toMessage(envelope);
    for (const id of ids) {
      if (id.node === this.#node) this.#sessions.get(id.sessionId)?.deliver(message);
    }
  }

  sendToSessions(sessionIds: Iterable<string>, envelope: object | OutboundMessage): void {
    const message = toMessage(envelope);
    for (const id of sessionIds) this.#sessions.get(id)?.deliver(message);
  }

  sendToSession(sessionId: string, envelope: object | OutboundMessage): boolean {
    const session = this.#sessions.get(sessionId);
    if (!session) return false;
    session.deliver(toMessage(envelope));
    return true;
  }
}

/** The envelope as an {@link OutboundMessage} (encoded at most once, however many receive it). */
export function toMessage(envelope: object | OutboundMessage): OutboundMessage {
  return envelope instanceof OutboundMessage ? envelope : new OutboundMessage(envelope);
}
