import { type EnvelopeBodies, type EnvelopeKey, encodeEnvelope } from '@tether/protocol';
import { encodeProtobufFrame, OutboundMessage } from '../presence/outbound.ts';
import type { Session } from '../session/session.ts';

/** The message type metrics give the empty reply `{cid}`, which has no field to name it. */
export const EMPTY_REPLY = 'empty_reply';

/** What a handler gets for one request. */
export interface RequestContext {
  readonly session: Session;
  /** The request's correlation id; undefined for fire-and-forget messages. */
  readonly cid: string | undefined;
  /** Sends the reply `{cid, [type]: body}` (queued in order before any push the handler causes). */
  reply<K extends EnvelopeKey>(type: K, body: EnvelopeBodies[K]): void;
  /** Sends the empty reply `{cid}` that Nakama uses for void operations. */
  replyVoid(): void;
}

/**
 * The per-message context as a class: its methods live on the prototype, so a message costs one small
 * object instead of an object and two closures (allocation showed up in the relay benchmark's GC).
 */
export class Context implements RequestContext {
  constructor(
    readonly session: Session,
    readonly cid: string | undefined,
  ) {}

  reply<K extends EnvelopeKey>(type: K, body: EnvelopeBodies[K]): void {
    // Encoded now, in the session's own format: a body that is live state (a match's presences)
    // is sent as it is at the reply, not as it is when the turn's batch is written.
    const cid = this.cid;
    if (this.session.carrier.format === 'protobuf') {
      const message = new OutboundMessage(cid ? { cid, [type]: body } : { [type]: body }, type);
      message.bytes('protobuf', encodeProtobufFrame);
      this.session.deliver(message);
    } else {
      this.session.deliver(OutboundMessage.fromText(encodeEnvelope(cid, type, body), type));
    }
  }

  replyVoid(): void {
    this.session.deliver(new OutboundMessage(this.cid ? { cid: this.cid } : {}, EMPTY_REPLY));
  }
}

/** A context that also keeps the reply, for after hooks. */
export class RecordingContext extends Context {
  /** The reply body sent, if any (`{}` for a void reply). */
  replied: unknown;

  override reply<K extends EnvelopeKey>(type: K, body: EnvelopeBodies[K]): void {
    this.replied = body;
    super.reply(type, body);
  }

  override replyVoid(): void {
    this.replied = {};
    super.replyVoid();
  }
}
