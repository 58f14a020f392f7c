/**
 * The cluster's message router: delivers to this node's sessions and hands the rest to the bus, once
 * per destination node.
 *
 * @packageDocumentation
 */
import { type MessageRouter, type SessionLookup, toMessage } from '../presence/message-router.ts';
import { OutboundMessage } from '../presence/outbound.ts';
import { parseStreamId, type StreamKey, streamId } from '../presence/stream.ts';
import type { Tracker } from '../presence/tracker.ts';
import type { PresenceId } from '../presence/types.ts';
import type { FramedBus } from './bus.ts';
import type { BusMessage } from './wire.ts';

/**
 * Routes by the replicated tracker, which knows every node's members of every stream, so finding
 * where to send never asks Redis. A broadcast is encoded once (its JSON text, as UTF-8 bytes once)
 * and crosses the bus once per other node that has members on the stream, not once per recipient;
 * the receiving node delivers it to its own members of the stream (the exclusion travels with it) as
 * one shared {@link OutboundMessage}. A node whose only member is the excluded session is skipped.
 *
 * Order: every message from this node to another goes through one ordered bus connection, so what
 * one sender sends to one recipient arrives in order.
 */
export class ClusterRouter implements MessageRouter {
  readonly #node: string;
  readonly #tracker: Tracker;
  readonly #sessions: SessionLookup;
  readonly #bus: FramedBus;

  constructor(deps: { tracker: Tracker; sessions: SessionLookup; bus: FramedBus }) {
    this.#node = deps.bus.node;
    this.#tracker = deps.tracker;
    this.#sessions = deps.sessions;
    this.#bus = deps.bus;
    deps.bus.onMessage((_from, message, payloads) => this.#receive(message, payloads));
  }

  sendToStream(stream: StreamKey, envelope: object | OutboundMessage, exclude?: string): void {
    const byNode = this.#tracker.membersByNode(stream);
    if (byNode.size === 0) return;
    const message = toMessage(envelope);
    let payload: Uint8Array | undefined;
    let id: string | undefined;
    for (const [node, members] of byNode) {
      if (node === this.#node) {
        for (const sessionId of members.keys()) {
          if (sessionId !== exclude) this.#sessions.get(sessionId)?.deliver(message);
        }
        continue;
      }
      const excluded = exclude !== undefined && members.has(exclude);
      if (excluded && members.size === 1) continue;
      payload ??= message.bytes(JSON_TEXT, utf8Bytes);
      id ??= streamId(stream);
      this.#bus.deliverToStream(node, id, excluded ? exclude : undefined, message.type, payload);
    }
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
    let remote: Map<string, string[]> | undefined;
    for (const id of ids) {
      if (id.node === this.#node) {
        this.#sessions.get(id.sessionId)?.deliver(message);
        continue;
      }
      remote ??= new Map();
      const list = remote.get(id.node);
      if (list) list.push(id.sessionId);
      else remote.set(id.node, [id.sessionId]);
    }
    if (!remote) return;
    const payload = message.bytes(JSON_TEXT, utf8Bytes);
    for (const [node, sessionIds] of remote)
      this.#bus.deliverToSessions(node, sessionIds, message.type, payload);
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

  /** A delivery from another node: its payload, shared by every local recipient. */
  #receive(message: BusMessage, payloads: readonly Uint8Array[]): void {
    if (message.t === 'ds') {
      const stream = parseStreamId(message.s);
      const local = stream && this.#tracker.membersByNode(stream).get(this.#node);
      if (!local) return;
      const outbound = OutboundMessage.fromUtf8(JSON_TEXT, payloads[message.p]!, message.y);
      for (const sessionId of local.keys()) {
        if (sessionId !== message.x) this.#sessions.get(sessionId)?.deliver(outbound);
      }
    } else if (message.t === 'dp') {
      const outbound = OutboundMessage.fromUtf8(JSON_TEXT, payloads[message.p]!, message.y);
      for (const sessionId of message.ss) this.#sessions.get(sessionId)?.deliver(outbound);
    }
  }
}

/**
 * The wire format of `/ws` sessions (`WireFormat` of the session layer): its bytes are exactly the
 * envelope's UTF-8 JSON text, so they cross the bus as they are and a receiving node's `/ws` sessions
 * write them without decoding or encoding again (other formats decode the text once).
 */
const JSON_TEXT = 'json-text';

function utf8Bytes(message: OutboundMessage): Uint8Array {
  return Buffer.from(message.text, 'utf8');
}
