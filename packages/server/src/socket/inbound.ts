/**
 * What a realtime session does with each frame its connection receives, per wire format.
 *
 * @packageDocumentation
 */
import {
  CloseCode,
  CloseReason,
  decodeGmText,
  decodeUtf8,
  RealtimeError,
  RealtimeErrorCode,
} from '@tether/protocol';
import type { Pipeline } from '../pipeline/pipeline.ts';
import { OutboundMessage } from '../presence/outbound.ts';
import type { Session, WireFormat } from '../session/session.ts';
import type { MessageHandler } from '../transport/connection.ts';

/** Error messages sent before closing a socket that sent the wrong kind of frame. */
const BINARY_REFUSED = 'Binary frames are not supported: send each envelope as a JSON text frame';
const TEXT_REFUSED = 'Text frames are not supported: send each envelope as a protobuf binary frame';

/** What the inbound handlers of every session of a lifecycle share (one object for all). */
export interface InboundContext {
  readonly pipeline: Pipeline;
  /** True once shutdown has begun: frames are ignored from then on. */
  draining(): boolean;
}

/** What {@link inboundHandler} reads of the session's link: its format, liveness and byte count. */
export interface InboundLink {
  readonly format: WireFormat;
  readonly heartbeat: { touch(): void } | undefined;
  readonly meter: { readonly bytesIn: { inc(bytes: number): void } } | undefined;
}

/**
 * The message handler of `session`'s connection now (in `link.format`): `json-text` takes text
 * frames (checked as UTF-8 by the transport), `protobuf` binary frames, `gm-packet` GameMaker
 * packets (decoded leniently: the CESU-8 surrogate pairs of the HTML5 runtime are accepted,
 * docs/protocol.md). A frame of the wrong kind is answered with error 1 in the socket's format, then
 * close 1003; text that is not UTF-8, close 1007. While `shared.draining()` (shutdown) frames are
 * ignored. Every frame touches the link's heartbeat and counts its bytes. One closure per
 * connection and nothing else: the options object and the two callbacks it once took per session
 * were about 250 bytes of every idle socket.
 */
export function inboundHandler(session: Session, link: InboundLink, shared: InboundContext): MessageHandler {
  const format = link.format;
  const bytesIn = link.meter?.bytesIn;
  return (data, kind) => {
    if (shared.draining()) return;
    link.heartbeat?.touch();
    bytesIn?.inc(data.byteLength);
    if (format === 'protobuf') {
      // Strings inside the Envelope are checked by the protobuf decoder (error 1, socket kept).
      if (kind === 'binary') shared.pipeline.receive(session, data);
      else refuseFrame(session, TEXT_REFUSED, CloseReason.TEXT_FRAME);
      return;
    }
    if (kind === 'binary' && format === 'json-text') {
      refuseFrame(session, BINARY_REFUSED, CloseReason.BINARY_FRAME);
      return;
    }
    const text = format === 'json-text' ? decodeUtf8(data) : decodeGmText(data);
    if (text === undefined) session.close(CloseCode.INVALID_PAYLOAD, CloseReason.INVALID_UTF8);
    else shared.pipeline.receive(session, text);
  };
}

/** Says why in an error envelope (in the socket's format), then closes with 1003 and `reason`. */
function refuseFrame(session: Session, message: string, reason: string): void {
  const error = new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, message);
  session.deliver(new OutboundMessage({ error: error.toWire() }, 'error'));
  session.close(CloseCode.UNSUPPORTED_DATA, reason);
}
