import { OutboundMessage } from './outbound.ts';
import type { StreamKey } from './stream.ts';
import type { Tracker } from './tracker.ts';
import type { SessionHandle } from './types.ts';

/** Finds connected sessions by id (implemented by the session registry). */
export interface SessionLookup {
  get(sessionId: string): SessionHandle | undefined;
}

/**
 * Delivers envelopes to sessions. All fan-out goes through here so that a broadcast is encoded once
 * (see {@link OutboundMessage}) however many sessions and carriers receive it.
 */
export interface MessageRouter {
  /** Sends to every session on a stream (hidden members included), except `exclude`. */
  sendToStream(stream: StreamKey, envelope: object | OutboundMessage, exclude?: string): void;
  /** Sends to the listed sessions that are connected; unknown ids are skipped. */
  sendToSessions(sessionIds: Iterable<string>, envelope: object | OutboundMessage): void;
  /** Sends to one session, if connected. Returns whether it was. */
  sendToSession(sessionId: string, envelope: object | OutboundMessage): boolean;
}

/** The single-node router over a {@link Tracker} and a {@link SessionLookup}. */
export class LocalMessageRouter implements MessageRouter {
  readonly #tracker: Tracker;
  readonly #sessions: SessionLookup;

  constructor(tracker: Tracker, sessions: SessionLookup) {
    this.#tracker = tracker;
    this.#sessions = sessions;
  }

  sendToStream(stream: StreamKey, envelope: object | OutboundMessage, exclude?: string): void {
    const message = toMessage(envelope);
    for (const session of this.#tracker.sessions(stream)) {
      if (session.id !== exclude) session.deliver(message);
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

function toMessage(envelope: object | OutboundMessage): OutboundMessage {
  return envelope instanceof OutboundMessage ? envelope : new OutboundMessage(envelope);
}
