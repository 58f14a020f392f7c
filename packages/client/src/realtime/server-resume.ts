/**
 * The SDK's side of Tether's server-side session resume (docs/protocol.md, "Session resume"): the
 * resume token of the current server session and the count of envelopes received on it.
 *
 * @packageDocumentation
 */
import { isSessionResumePb, type SessionResume } from '@tether/protocol';
import { type EnvelopeCodec, JSON_CODEC } from './codec.ts';

/** The body of a `session_resume` frame in `codec`'s format; undefined if it cannot be read. */
function readSessionResume(frame: string | Uint8Array, codec: EnvelopeCodec): SessionResume | undefined {
  try {
    const decoded = codec.decode(frame);
    return decoded.type === 'session_resume' ? decoded.body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Counts every envelope received on the server session except `session_resume` (which the server
 * does not number either) and keeps the latest token, so a reconnect can ask for the session back
 * with `resume=<token>&resume_seq=<count>`.
 */
export class ServerResumeState {
  #token = '';
  #received = 0;

  /** What the next connection asks for: a held session back, if there is a token. */
  request(): { token: string; seq: number } | undefined {
    return this.#token === '' ? undefined : { token: this.#token, seq: this.#received };
  }

  /**
   * True (and nothing counted) for the server's `session_resume`, a JSON text or a protobuf frame;
   * counts any other envelope.
   */
  isControl(frame: string | Uint8Array): boolean {
    if (typeof frame === 'string' ? frame.startsWith('{"session_resume"') : isSessionResumePb(frame))
      return true;
    this.#received++;
    return false;
  }

  /**
   * Reads `session_resume` (a frame in `codec`'s format; one that cannot be read means nothing was
   * resumed) and keeps its token. On a resume the replayed envelopes follow and are counted on top of
   * what was received before; a new session counts from zero. Fields protobuf leaves out at their
   * defaults (`resumed` false, `grace_sec` 0, an empty `token`) are filled in.
   */
  accept(frame: string | Uint8Array, codec: EnvelopeCodec = JSON_CODEC): SessionResume {
    const received: Partial<SessionResume> | undefined = readSessionResume(frame, codec);
    const body: SessionResume = {
      ...received,
      session_id: typeof received?.session_id === 'string' ? received.session_id : '',
      token: typeof received?.token === 'string' ? received.token : '',
      resumed: received?.resumed === true,
      grace_sec: typeof received?.grace_sec === 'number' ? received.grace_sec : 0,
    };
    this.#token = body.token;
    if (!body.resumed) this.#received = 0;
    return body;
  }

  /** Forgets the session (the socket stopped for good). */
  clear(): void {
    this.#token = '';
    this.#received = 0;
  }
}
