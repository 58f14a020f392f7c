/**
 * `nk.stream*`: custom streams, over the streams feature.
 *
 * @packageDocumentation
 */
import type { UserPresence } from '@tether/protocol';
import type { Presence, StreamId } from './types.ts';

/** What the `stream*` functions need (the socket feature's `StreamService` provides it). */
export interface RuntimeStreams {
  join(
    sessionId: string,
    input: StreamId,
    options?: { hidden?: boolean; persistence?: boolean; status?: string },
  ): boolean;
  leave(sessionId: string, input: StreamId): boolean;
  list(input: StreamId, options?: { includeHidden?: boolean }): UserPresence[];
  count(input: StreamId): number;
  send(
    input: StreamId,
    data: string,
    options?: { sessionIds?: Iterable<string>; reliable?: boolean },
  ): number;
}

/** Stream functions of `nk`. */
export interface StreamNk {
  /** Puts a connected session on a custom stream; false if it already was. */
  streamUserJoin(
    userId: string,
    sessionId: string,
    stream: StreamId,
    hidden?: boolean,
    persistence?: boolean,
    status?: string,
  ): boolean;
  /** Takes a session off a custom stream; false if it was not on it. */
  streamUserLeave(userId: string, sessionId: string, stream: StreamId): boolean;
  /** A stream's presences in join order (hidden ones when `includeHidden`). */
  streamUserList(stream: StreamId, includeHidden?: boolean): Presence[];
  /** Members of a stream, hidden included. */
  streamCount(stream: StreamId): number;
  /** Sends `stream_data` to the stream's members, or to the listed ones. */
  streamSend(
    stream: StreamId,
    data: string,
    presences?: readonly Presence[] | null,
    reliable?: boolean,
  ): void;
}

/**
 * Builds the stream functions. `sessions` finds connected sessions, to check that a session belongs
 * to the user named with it; without a stream service the functions throw "not available".
 */
export function streamNk(deps: {
  readonly streams?: RuntimeStreams | undefined;
  readonly sessions: { get(sessionId: string): { readonly userId: string } | undefined };
  readonly node: string;
}): StreamNk {
  const streams = (): RuntimeStreams => {
    if (!deps.streams) throw new Error('Streams are not available on this server');
    return deps.streams;
  };
  const presence = (p: UserPresence): Presence => {
    const out = { userId: p.user_id, sessionId: p.session_id, username: p.username, node: deps.node };
    return p.status === undefined ? out : { ...out, status: p.status };
  };
  const ownSession = (userId: string, sessionId: string) => {
    const session = deps.sessions.get(sessionId);
    if (!session) throw new Error(`Session ${sessionId} is not connected`);
    if (session.userId !== userId) throw new Error(`Session ${sessionId} does not belong to user ${userId}`);
  };
  return {
    streamUserJoin(userId, sessionId, stream, hidden = false, persistence = false, status?: string): boolean {
      ownSession(userId, sessionId);
      const options: { hidden: boolean; persistence: boolean; status?: string } = { hidden, persistence };
      if (status !== undefined) options.status = status;
      return streams().join(sessionId, stream, options);
    },
    streamUserLeave(userId, sessionId, stream): boolean {
      ownSession(userId, sessionId);
      return streams().leave(sessionId, stream);
    },
    streamUserList(stream, includeHidden = false): Presence[] {
      return streams().list(stream, { includeHidden }).map(presence);
    },
    streamCount(stream): number {
      return streams().count(stream);
    },
    streamSend(stream, data, presences = null, reliable = true): void {
      if (typeof data !== 'string') throw new TypeError('streamSend: data must be a string');
      const options: { sessionIds?: string[]; reliable: boolean } = { reliable };
      if (presences) options.sessionIds = presences.map((p) => p.sessionId);
      streams().send(stream, data, options);
    },
  };
}
