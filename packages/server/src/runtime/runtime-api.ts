/**
 * The `nk` object game modules receive: server functions implemented over the match, stream,
 * notification and account services.
 *
 * @packageDocumentation
 */
import type { UserPresence } from '@tether/protocol';
import type { MatchFeature } from '../features/match/register-matches.ts';
import type { MatchInfo, Presence, RuntimeApi, StreamId } from './api.ts';

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

/** What `notificationSend` needs (the notification feature's `NotificationService` provides it). */
export interface RuntimeNotifications {
  send(
    userIds: string | readonly string[],
    notification: {
      subject: string;
      content: Readonly<Record<string, unknown>>;
      code: number;
      senderId?: string | null;
      persistent: boolean;
    },
  ): Promise<unknown>;
}

/** What `usersBanId` / `usersUnbanId` need (the account feature's `AccountService` provides it). */
export interface RuntimeAccounts {
  ban(userIds: readonly string[]): Promise<unknown>;
  unban(userIds: readonly string[]): Promise<unknown>;
}

/** Dependencies of {@link createRuntimeApi}; absent services make their functions throw "not available". */
export interface RuntimeApiDeps {
  readonly matches: Pick<MatchFeature, 'service' | 'registry'>;
  /** Connected sessions, to check that a session belongs to the user named with it. */
  readonly sessions: { get(sessionId: string): { readonly userId: string } | undefined };
  readonly streams?: RuntimeStreams | undefined;
  readonly notifications?: RuntimeNotifications | undefined;
  readonly accounts?: RuntimeAccounts | undefined;
  readonly node: string;
}

/** Builds the `nk` object. Each function validates its arguments and throws an `Error` saying what is wrong. */
export function createRuntimeApi(deps: RuntimeApiDeps): RuntimeApi {
  const { service, registry } = deps.matches;
  const streams = (): RuntimeStreams => {
    if (!deps.streams) throw new Error('Streams are not available on this server');
    return deps.streams;
  };
  const presence = (p: UserPresence): Presence => {
    const out = { userId: p.user_id, sessionId: p.session_id, username: p.username, node: deps.node };
    return p.status === undefined ? out : { ...out, status: p.status };
  };
  const accounts = (): RuntimeAccounts => {
    if (!deps.accounts) throw new Error('Accounts are not available on this server');
    return deps.accounts;
  };
  const ownSession = (userId: string, sessionId: string) => {
    const session = deps.sessions.get(sessionId);
    if (!session) throw new Error(`Session ${sessionId} is not connected`);
    if (session.userId !== userId) throw new Error(`Session ${sessionId} does not belong to user ${userId}`);
  };

  return Object.freeze({
    matchCreate(module: string, params: Record<string, unknown> = {}): string {
      if (typeof module !== 'string') throw new TypeError('matchCreate: module must be a string');
      if (params === null || typeof params !== 'object')
        throw new TypeError('matchCreate: params must be an object');
      return registry.create(module, params).id;
    },
    matchGet(matchId: string): MatchInfo | null {
      return service.get(matchId) ?? null;
    },
    matchList(limit = 10, authoritative = null, label = null, minSize = null, maxSize = null, query = null) {
      return service.list({
        limit,
        authoritative: authoritative ?? undefined,
        label: label ?? undefined,
        minSize: minSize ?? undefined,
        maxSize: maxSize ?? undefined,
        query: query ?? undefined,
      });
    },
    matchSignal(matchId: string, data: string): string {
      if (typeof data !== 'string') throw new TypeError('matchSignal: data must be a string');
      return registry.signal(matchId, data);
    },
    async notificationSend(
      userId,
      subject,
      content,
      code,
      senderId = null,
      persistent = false,
    ): Promise<void> {
      if (!deps.notifications) throw new Error('Notifications are not available on this server');
      await deps.notifications.send(userId, { subject, content, code, senderId, persistent });
    },
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
    async usersBanId(userIds): Promise<void> {
      await accounts().ban(userIds);
    },
    async usersUnbanId(userIds): Promise<void> {
      await accounts().unban(userIds);
    },
  } satisfies RuntimeApi);
}
