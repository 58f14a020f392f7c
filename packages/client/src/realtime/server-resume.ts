/**
 * The SDK's side of Tether's server-side session resume (docs/protocol.md, "Session resume"): the
 * resume token of the current server session and the count of envelopes received on it.
 *
 * @packageDocumentation
 */
import type { SessionResume } from '@tether/protocol';

/** A body that says nothing was resumed (the server's `session_resume` could not be read). */
const UNREADABLE: SessionResume = { session_id: '', token: '', resumed: false, grace_sec: 0 };

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

  /** True (and nothing counted) for the server's `session_resume`; counts any other envelope. */
  isControl(text: string): boolean {
    if (text.startsWith('{"session_resume"')) return true;
    this.#received++;
    return false;
  }

  /**
   * Reads `session_resume` and keeps its token. On a resume the replayed envelopes follow and are
   * counted on top of what was received before; a new session counts from zero.
   */
  accept(text: string): SessionResume {
    let body: SessionResume;
    try {
      body = (JSON.parse(text) as { session_resume: SessionResume }).session_resume ?? UNREADABLE;
    } catch {
      body = UNREADABLE;
    }
    this.#token = typeof body.token === 'string' ? body.token : '';
    if (body.resumed !== true) this.#received = 0;
    return body;
  }

  /** Forgets the session (the socket stopped for good). */
  clear(): void {
    this.#token = '';
    this.#received = 0;
  }
}
