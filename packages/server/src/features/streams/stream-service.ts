/**
 * Custom streams for server code: the API the game-server runtime exposes as Nakama's
 * `streamUserJoin`, `streamUserLeave`, `streamUserList`, `streamSend` and friends.
 *
 * @packageDocumentation
 */
import type { StreamData, StreamPresenceEvent, UserPresence } from '@tether/protocol';
import type { MessageRouter } from '../../presence/message-router.ts';
import { OutboundMessage } from '../../presence/outbound.ts';
import { type StreamKey, StreamMode, stream } from '../../presence/stream.ts';
import type { SessionRef } from '../../presence/tracked-sessions.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Presence, PresenceEvent, PresenceMeta } from '../../presence/types.ts';
import { userPresence, wireStream } from '../../presence/wire.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';

/** A stream address as server code writes it; absent parts are `""`. */
export interface StreamInput {
  /** Stream kind. Custom streams use 8–255; 0–7 are the built-in features' (see {@link StreamService}). */
  readonly mode: number;
  readonly subject?: string;
  readonly subcontext?: string;
  readonly label?: string;
}

/** How a session appears on a stream it joins. */
export interface StreamJoinOptions {
  /** Receives the stream's traffic but is never listed nor announced in presence events. */
  readonly hidden?: boolean;
  /** Carried in the presence (`persistence`); Tether attaches no storage to custom streams. */
  readonly persistence?: boolean;
  /** Free text carried in the presence (`status`). */
  readonly status?: string;
}

/** Options of {@link StreamService.send}. */
export interface StreamSendOptions {
  /** Shown to receivers as `stream_data.sender`. */
  readonly sender?: UserPresence;
  /** Carried as `stream_data.reliable` (every realtime carrier is reliable). */
  readonly reliable?: boolean;
  /** Only these sessions (those of them that are on the stream) receive it. Default: every member. */
  readonly sessionIds?: Iterable<string>;
  /** This session does not receive it (typically the sender's own). */
  readonly exclude?: string;
}

/**
 * Connected sessions by id and by user, on every node of a cluster (`TrackedSessions` implements it):
 * server code may join a session of another node to a stream, which that node then tracks.
 */
export interface UserSessionLookup {
  get(sessionId: string): SessionRef | undefined;
  /** A user's connected sessions. */
  byUser(userId: string): readonly SessionRef[];
}

/** First mode free for custom streams; 0–7 belong to notifications, status, chat, matches, parties. */
export const FIRST_CUSTOM_STREAM_MODE = 8;
/** Modes are a byte, as in Nakama. */
export const LAST_STREAM_MODE = 255;
/** Longest subject or subcontext, in characters. */
export const MAX_STREAM_ID_CHARS = 128;
/** Longest label, in characters. */
export const MAX_STREAM_LABEL_CHARS = 2048;

/**
 * Custom streams: server code puts sessions on a stream, lists them and sends `stream_data` to them;
 * clients only receive (`stream_data`, and `stream_presence_event` for visible joins and leaves).
 * Membership lives in the shared tracker, so a disconnect leaves every stream at once.
 *
 * Rules:
 * - Joining, updating and leaving are allowed on custom modes only (8–255). The built-in modes 0–7 are
 *   owned by their features (chat, matches, parties...), which keep state next to the membership; a
 *   join behind their backs would desynchronise them. Reading (`list`, `count`, `get`) and `send`
 *   work on every mode.
 * - Subject and subcontext may be any text up to 128 characters without `.` (stream ids are
 *   `mode.subject.subcontext.label`); the label may contain anything, up to 2048 characters.
 * - Presence events are batched and delivered on the next event-loop turn to every session on the
 *   stream at that moment, hidden ones included: a joiner sees its own join, a leaver not its leave.
 * - Failures throw {@link DomainError}: `INVALID_ARGUMENT` for a bad stream, `NOT_FOUND` for a
 *   session that is not connected.
 */
export class StreamService {
  readonly #tracker: Tracker;
  readonly #router: MessageRouter;
  readonly #sessions: UserSessionLookup;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(deps: { tracker: Tracker; router: MessageRouter; sessions: UserSessionLookup }) {
    this.#tracker = deps.tracker;
    this.#router = deps.router;
    this.#sessions = deps.sessions;
    // The tracker queues events only for modes with a listener, so listening to every custom mode
    // up front is what makes joins on a brand-new mode announce themselves.
    const deliver = (events: readonly PresenceEvent[]) => this.#deliverEvents(events);
    for (let mode = FIRST_CUSTOM_STREAM_MODE; mode <= LAST_STREAM_MODE; mode++) {
      this.#unsubscribe.push(this.#tracker.onEvents(mode, deliver));
    }
  }

  /**
   * Puts a connected session on a custom stream. Returns false if it already was (nothing changes;
   * use {@link update} to change its meta).
   */
  join(sessionId: string, input: StreamInput, options: StreamJoinOptions = {}): boolean {
    const key = customStream(input);
    return this.#track(this.#session(sessionId), key, options);
  }

  /** Puts every connected session of a user on a custom stream; returns how many joined now. */
  joinUser(userId: string, input: StreamInput, options: StreamJoinOptions = {}): number {
    const key = customStream(input);
    let joined = 0;
    for (const session of this.#sessions.byUser(userId)) if (this.#track(session, key, options)) joined++;
    return joined;
  }

  /**
   * Replaces a member's hidden/persistence/status; visible changes are announced as leave(old) +
   * join(new). Returns false if the session is not on the stream.
   */
  update(sessionId: string, input: StreamInput, options: StreamJoinOptions): boolean {
    const key = customStream(input);
    const session = this.#session(sessionId);
    return this.#tracker.update(sessionId, key, metaOf(session, options));
  }

  /** Takes a session off a custom stream. Returns false if it was not on it. */
  leave(sessionId: string, input: StreamInput): boolean {
    return this.#tracker.untrack(sessionId, customStream(input));
  }

  /** Takes every session of a user off a custom stream; returns how many left. */
  leaveUser(userId: string, input: StreamInput): number {
    const key = customStream(input);
    let left = 0;
    for (const session of this.#sessions.byUser(userId)) if (this.#tracker.untrack(session.id, key)) left++;
    return left;
  }

  /** Empties a custom stream (everyone leaves, visible members are announced); returns how many left. */
  close(input: StreamInput): number {
    const key = customStream(input);
    const count = this.#tracker.count(key);
    this.#tracker.untrackStream(key);
    return count;
  }

  /** The stream's presences in join order; hidden ones only when asked. Any mode. */
  list(input: StreamInput, options: { includeHidden?: boolean } = {}): UserPresence[] {
    return this.#tracker.list(anyStream(input), options.includeHidden ?? false).map(userPresence);
  }

  /** The stream's presences (with the node of each), in join order; hidden ones only when asked. Any mode. */
  presences(input: StreamInput, options: { includeHidden?: boolean } = {}): Presence[] {
    return this.#tracker.list(anyStream(input), options.includeHidden ?? false);
  }

  /** Members of a stream, hidden included. Any mode. */
  count(input: StreamInput): number {
    return this.#tracker.count(anyStream(input));
  }

  /** One session's presence on a stream, if it is on it. Any mode. */
  get(sessionId: string, input: StreamInput): UserPresence | undefined {
    const presence = this.#tracker.get(sessionId, anyStream(input));
    return presence && userPresence(presence);
  }

  /**
   * Sends `stream_data` (encoded once) to the stream's members, or to the listed ones. Returns the
   * number of sessions it was queued for. Any mode.
   */
  send(input: StreamInput, data: string, options: StreamSendOptions = {}): number {
    const key = anyStream(input);
    const body: StreamData = { stream: wireStream(key), data };
    if (options.sender) body.sender = options.sender;
    if (options.reliable !== undefined) body.reliable = options.reliable;
    const message = new OutboundMessage({ stream_data: body });
    if (options.sessionIds === undefined) {
      const members =
        this.#tracker.count(key) - (options.exclude && this.#tracker.get(options.exclude, key) ? 1 : 0);
      this.#router.sendToStream(key, message, options.exclude);
      return members;
    }
    const targets: Presence[] = [];
    for (const id of options.sessionIds) {
      const presence = id === options.exclude ? undefined : this.#tracker.get(id, key);
      if (presence) targets.push(presence);
    }
    this.#router.sendToPresences(targets, message);
    return targets.length;
  }

  /** Stops announcing presence events (server shutdown). */
  dispose(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  #track(session: SessionRef, key: StreamKey, options: StreamJoinOptions): boolean {
    return this.#tracker.track(session, key, metaOf(session, options));
  }

  #session(sessionId: string): SessionRef {
    const session = this.#sessions.get(sessionId);
    if (!session) throw new DomainError(ErrorKind.NOT_FOUND, `Session ${sessionId} is not connected`);
    return session;
  }

  #deliverEvents(events: readonly PresenceEvent[]): void {
    for (const event of events) {
      const body: StreamPresenceEvent = { stream: wireStream(event.stream) };
      if (event.joins.length > 0) body.joins = event.joins.map(userPresence);
      if (event.leaves.length > 0) body.leaves = event.leaves.map(userPresence);
      // Every node sees every change: each tells its own members (see `sendToLocalMembers`).
      this.#router.sendToLocalMembers(event.stream, new OutboundMessage({ stream_presence_event: body }));
    }
  }
}

function metaOf(session: SessionRef, options: StreamJoinOptions): PresenceMeta {
  const meta: { username: string; hidden?: boolean; persistence?: boolean; status?: string } = {
    username: session.username,
  };
  if (options.hidden) meta.hidden = true;
  if (options.persistence) meta.persistence = true;
  if (options.status !== undefined) meta.status = options.status;
  return meta;
}

/** Validates any stream address and fills in the absent parts. */
function anyStream(input: StreamInput): StreamKey {
  const { mode } = input;
  if (!Number.isInteger(mode) || mode < 0 || mode > LAST_STREAM_MODE) {
    throw invalid(`Stream mode must be an integer from 0 to ${LAST_STREAM_MODE}, got ${String(mode)}`);
  }
  const subject = checkId('subject', input.subject ?? '');
  const subcontext = checkId('subcontext', input.subcontext ?? '');
  const label = input.label ?? '';
  if (typeof label !== 'string' || label.length > MAX_STREAM_LABEL_CHARS) {
    throw invalid(`Stream label must be a string of at most ${MAX_STREAM_LABEL_CHARS} characters`);
  }
  return stream(mode, subject, subcontext, label);
}

/** Validates a stream address that server code may change membership of. */
function customStream(input: StreamInput): StreamKey {
  const key = anyStream(input);
  if (key.mode < FIRST_CUSTOM_STREAM_MODE) {
    const builtIn = Object.entries(StreamMode).find(([, m]) => m === key.mode)?.[0] ?? 'built-in';
    throw invalid(
      `Stream mode ${key.mode} belongs to the ${builtIn.toLowerCase()} feature; custom streams use modes ${FIRST_CUSTOM_STREAM_MODE}-${LAST_STREAM_MODE}`,
    );
  }
  return key;
}

function checkId(name: string, value: string): string {
  if (typeof value !== 'string' || value.length > MAX_STREAM_ID_CHARS || value.includes('.')) {
    throw invalid(`Stream ${name} must be a string of at most ${MAX_STREAM_ID_CHARS} characters without '.'`);
  }
  return value;
}

function invalid(message: string): DomainError {
  return new DomainError(ErrorKind.INVALID_ARGUMENT, message);
}
