/**
 * Tether's session resume, server side: resume tokens, the grace period of sessions whose connection
 * broke, and the answer to a client that asks for its session back (docs/protocol.md, "Session
 * resume").
 *
 * @packageDocumentation
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CloseCode, type SessionResume, SessionResumeFailure } from '@tether/protocol';
import { OutboundMessage } from '../presence/outbound.ts';
import { ResumeBuffer } from '../session/resume-buffer.ts';
import type { Session } from '../session/session.ts';

/** Settings {@link SessionResumer} reads. */
export interface SessionResumeSettings {
  /** How long a session whose connection broke is held for its client; 0 turns resume off. */
  readonly sessionResumeGraceSec: number;
  /** Most envelopes a resumable session keeps for a replay. */
  readonly sessionResumeBufferMessages: number;
  /** Most bytes (UTF-8 JSON) a resumable session keeps for a replay. */
  readonly sessionResumeBufferBytes: number;
  /** Most sessions of one user held at once; holding one more releases the user's oldest held one. */
  readonly sessionResumeMaxHeldPerUser: number;
}

/** A resume request: the token from `session_resume` and how many envelopes the client received. */
export interface ResumeRequest {
  readonly token: string;
  readonly seq: number;
}

/** What {@link SessionResumer.find} found for a token. */
export type ResumeLookup = { readonly session: Session } | { readonly failure: SessionResumeFailure };

interface Entry {
  readonly session: Session;
  readonly secret: Buffer;
  timer?: NodeJS.Timeout;
  release?: () => void;
}

/** Longest resume token accepted (a session id, a dot and 32 base64url characters). */
const MAX_TOKEN_CHARS = 128;

/**
 * The resume tokens of this node's resumable sessions, and the grace timers of those held without a
 * connection.
 *
 * Policy: a token is `<session id>.<secret>`, the secret 24 random bytes, compared in constant time;
 * it stays valid for the session's whole life (each resume answers with the same token) and is only
 * good together with a valid session token of the same user. A held session is released (closed, so
 * its leaves go out) when its grace period ends, or at once when its resume buffer overflows; the
 * token of an overflowed session is remembered until its grace period would have ended, so its client
 * is told `overflow` rather than `expired`. Memory: one entry per resumable session plus one timer per
 * held one; overflow notes are as many as sessions released that way within one grace period. A
 * user has at most `sessionResumeMaxHeldPerUser` sessions held at once (holding one more releases
 * the oldest), so held buffers are bounded by connections, not by how often a client reconnects.
 */
export class SessionResumer {
  readonly #settings: SessionResumeSettings;
  readonly #entries = new Map<string, Entry>();
  readonly #overflowed = new Map<string, NodeJS.Timeout>();
  /** Held sessions by user, oldest first. */
  readonly #heldByUser = new Map<string, Entry[]>();
  readonly #missed = new Set<(token: string, userId: string) => void>();

  constructor(settings: SessionResumeSettings) {
    this.#settings = settings;
  }

  /** Whether resume is on (`sessionResumeGraceSec` > 0). */
  get enabled(): boolean {
    return this.#settings.sessionResumeGraceSec > 0;
  }

  /** Sessions held without a connection now. */
  get held(): number {
    let n = 0;
    for (const e of this.#entries.values()) if (e.timer) n++;
    return n;
  }

  /**
   * Makes `session` resumable (when resume is on) and returns its token (`""` when off).
   * `onOverflow` runs when, while held, it had to drop a message its client never received.
   */
  register(session: Session, onOverflow: (session: Session) => void): string {
    if (!this.enabled) return '';
    const secret = randomBytes(24);
    session.makeResumable(
      new ResumeBuffer({
        maxMessages: this.#settings.sessionResumeBufferMessages,
        maxBytes: this.#settings.sessionResumeBufferBytes,
      }),
      onOverflow,
    );
    this.#entries.set(session.id, { session, secret });
    return `${session.id}.${secret.toString('base64url')}`;
  }

  /** The token of a registered session (for the `session_resume` message after a resume). */
  tokenOf(session: Session): string {
    const entry = this.#entries.get(session.id);
    return entry ? `${session.id}.${entry.secret.toString('base64url')}` : '';
  }

  /**
   * Starts the grace period of a session that lost its connection; `release` runs when it ends
   * without a resume. A session held already keeps its first timer.
   */
  hold(session: Session, release: () => void): void {
    const entry = this.#entries.get(session.id);
    if (!entry || entry.timer) return;
    entry.release = release;
    entry.timer = setTimeout(() => {
      this.#unhold(entry);
      release();
    }, this.#settings.sessionResumeGraceSec * 1000).unref();
    let held = this.#heldByUser.get(session.userId);
    if (!held) {
      held = [];
      this.#heldByUser.set(session.userId, held);
    }
    held.push(entry);
    if (held.length > this.#settings.sessionResumeMaxHeldPerUser) {
      const oldest = held[0]!;
      const releaseOldest = oldest.release;
      this.#unhold(oldest);
      releaseOldest?.();
    }
  }

  /** Ends the grace period of a held entry (resumed, released or closed). */
  #unhold(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.release = undefined;
    const held = this.#heldByUser.get(entry.session.userId);
    if (!held) return;
    const i = held.indexOf(entry);
    if (i >= 0) held.splice(i, 1);
    if (held.length === 0) this.#heldByUser.delete(entry.session.userId);
  }

  /**
   * The session a client asks back with `token`, if this node has it and it belongs to `userId`.
   * A session found here is no longer on its grace timer; the caller attaches it or closes it.
   */
  find(token: string, userId: string): ResumeLookup {
    const found = this.#lookup(token, userId);
    if ('failure' in found && found.failure === SessionResumeFailure.EXPIRED && !this.#isTombstone(token)) {
      for (const listener of [...this.#missed]) listener(token, userId);
    }
    return found;
  }

  /**
   * Subscribes to resumes asked for sessions this node does not know (in a cluster, another node
   * may hold them: it is told to release them at once). Returns the unsubscribe function.
   */
  onMissed(listener: (token: string, userId: string) => void): () => void {
    this.#missed.add(listener);
    return () => this.#missed.delete(listener);
  }

  /**
   * Closes the session `token` names, if this node has it and it belongs to `userId` (its client
   * resumed on another node and got a fresh session there): its leaves go out now rather than at the
   * end of its grace period. Returns whether there was one.
   */
  release(token: string, userId: string): boolean {
    const found = this.#lookup(token, userId);
    if ('failure' in found) return false;
    found.session.close(CloseCode.ABNORMAL, 'session resumed on another node');
    return true;
  }

  #isTombstone(token: string): boolean {
    return this.#overflowed.has(token.slice(0, Math.max(0, token.lastIndexOf('.'))));
  }

  #lookup(token: string, userId: string): ResumeLookup {
    if (!this.enabled) return { failure: SessionResumeFailure.DISABLED };
    const dot = token.lastIndexOf('.');
    if (token.length > MAX_TOKEN_CHARS || dot <= 0) return { failure: SessionResumeFailure.INVALID };
    const sessionId = token.slice(0, dot);
    const secret = Buffer.from(token.slice(dot + 1), 'base64url');
    if (this.#overflowed.has(sessionId)) return { failure: SessionResumeFailure.OVERFLOW };
    const entry = this.#entries.get(sessionId);
    if (!entry) return { failure: SessionResumeFailure.EXPIRED };
    if (secret.length !== entry.secret.length || !timingSafeEqual(secret, entry.secret))
      return { failure: SessionResumeFailure.INVALID };
    if (entry.session.userId !== userId) return { failure: SessionResumeFailure.INVALID };
    this.#unhold(entry);
    return { session: entry.session };
  }

  /** A session closed: forget its token; if it closed because it overflowed, remember that a while. */
  forget(session: Session, overflowed: boolean): void {
    const entry = this.#entries.get(session.id);
    if (!entry) return;
    this.#unhold(entry);
    this.#entries.delete(session.id);
    if (overflowed) {
      const timer = setTimeout(
        () => this.#overflowed.delete(session.id),
        this.#settings.sessionResumeGraceSec * 1000,
      ).unref();
      this.#overflowed.set(session.id, timer);
    }
  }

  /** The `session_resume` envelope for a connection of `session`. */
  message(session: Session, fields: Pick<SessionResume, 'resumed' | 'reason' | 'replayed'>): OutboundMessage {
    const body: SessionResume = {
      session_id: session.id,
      token: this.tokenOf(session),
      resumed: fields.resumed,
      ...(fields.reason ? { reason: fields.reason } : {}),
      ...(fields.replayed !== undefined ? { replayed: fields.replayed } : {}),
      grace_sec: this.enabled ? this.#settings.sessionResumeGraceSec : 0,
    };
    return new OutboundMessage({ session_resume: body });
  }

  /** Stops every timer (shutdown). */
  close(): void {
    for (const entry of this.#entries.values()) clearTimeout(entry.timer);
    this.#heldByUser.clear();
    for (const timer of this.#overflowed.values()) clearTimeout(timer);
    this.#overflowed.clear();
  }
}
