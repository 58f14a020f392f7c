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

/**
 * The message handler of one connection of `session`: `json-text` takes text frames (checked as
 * UTF-8 by the transport), `protobuf` binary frames, `gm-packet` GameMaker packets (decoded
 * leniently: the CESU-8 surrogate pairs of the HTML5 runtime are accepted, docs/protocol.md). A
 * frame of the wrong kind is answered with error 1 in the socket's format, then close 1003; text
 * that is not UTF-8, close 1007. While `draining()` (shutdown) frames are ignored.
 */
export function inboundHandler(opts: {
  session: Session;
  format: WireFormat;
  pipeline: Pipeline;
  draining: () => boolean;
  /** Called for every frame (liveness, byte counts). */
  received: (bytes: number) => void;
}): MessageHandler {
  const { session, pipeline } = opts;
  const binaryRefused = opts.format === 'json-text';
  const protobuf = opts.format === 'protobuf';
  const decode = binaryRefused ? decodeUtf8 : decodeGmText;
  return (data, kind) => {
    if (opts.draining()) return;
    opts.received(data.byteLength);
    if (protobuf) {
      // Strings inside the Envelope are checked by the protobuf decoder (error 1, socket kept).
      if (kind === 'binary') pipeline.receive(session, data);
      else refuseFrame(session, TEXT_REFUSED, CloseReason.TEXT_FRAME);
      return;
    }
    if (kind === 'binary' && binaryRefused) {
      refuseFrame(session, BINARY_REFUSED, CloseReason.BINARY_FRAME);
      return;
    }
    const text = decode(data);
    if (text === undefined) session.close(CloseCode.INVALID_PAYLOAD, CloseReason.INVALID_UTF8);
    else pipeline.receive(session, text);
  };
}

/** Says why in an error envelope (in the socket's format), then closes with 1003 and `reason`. */
function refuseFrame(session: Session, message: string, reason: string): void {
  const error = new RealtimeError(RealtimeErrorCode.UNRECOGNIZED_PAYLOAD, message);
  session.deliver(new OutboundMessage({ error: error.toWire() }, 'error'));
  session.close(CloseCode.UNSUPPORTED_DATA, reason);
}
