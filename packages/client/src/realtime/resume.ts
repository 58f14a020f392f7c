/**
 * Session resume: what the client had joined, learned from its own successful requests and from the
 * server's pushes, and re-applied after a reconnect. A reconnected socket is a new server session, so
 * without this every game re-implements "re-join everything" by hand (Nakama complaint #3).
 *
 * | Tracked | Learned from | Forgotten on | Resumed with |
 * |---|---|---|---|
 * | status | `status_update` reply | — | `status_update` with the last status |
 * | follows | `status_follow` reply | `status_unfollow` | one `status_follow` |
 * | channels | `channel_join` reply | `channel_leave` | `channel_join` with the same target, type and flags |
 * | matches | `match_create` / `match_join` replies (by id or token: the reply's `match_id`) | `match_leave`; a `match_presence_event` whose leaves list this session (match ended, kicked) | named relayed matches: `match_create {name}` (same id, recreated if the server lost it); others: `match_join {match_id, metadata}` |
 * | parties | `party_create` reply, `party` push | `party_leave`, `party_close` | `party_join` |
 * | matchmaker tickets | `matchmaker_add` reply | `matchmaker_remove`, `matchmaker_matched` | not resumable: reported in `failed` |
 *
 * An item the server refuses to restore is forgotten (and reported once); an item that timed out or
 * was cut off by another disconnect is kept for the next attempt.
 *
 * @packageDocumentation
 */

import { RealtimeFailure, RealtimeRequestError, RealtimeSocketError } from './errors.ts';
import type { PushEvent } from './events.ts';

/** One thing the socket re-applies after a reconnect. */
export type ResumeItem =
  | { readonly kind: 'status'; readonly status: string | undefined }
  | { readonly kind: 'follows'; readonly userIds: readonly string[]; readonly usernames: readonly string[] }
  | {
      readonly kind: 'channel';
      readonly channelId: string;
      readonly target: string;
      readonly channelType: number;
    }
  | { readonly kind: 'match'; readonly matchId: string; readonly name: string | undefined }
  | { readonly kind: 'party'; readonly partyId: string }
  | { readonly kind: 'matchmaker'; readonly ticket: string };

/** An item that could not be restored, and why. */
export interface ResumeFailure {
  readonly item: ResumeItem;
  /** The server's refusal, or the client-side failure (timeout, disconnect, not resumable). */
  readonly error: RealtimeRequestError | RealtimeSocketError;
}

/** Sends one request on the new connection. */
export type ResumeRequest = (type: string, body: Record<string, unknown>) => Promise<unknown>;

interface ChannelState {
  target: string;
  type: number;
  persistence: boolean | undefined;
  hidden: boolean | undefined;
}

interface MatchState {
  matchId: string;
  name: string | undefined;
  metadata: Record<string, string> | undefined;
  /** This connection's session id in the match, to notice its own leave (match ended, kicked). */
  selfSessionId: string | undefined;
}

type Body = Record<string, unknown> | undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
/** Match and party ids are case-insensitive in their uuid part; key them lower-case. */
const idKey = (id: string): string => id.toLowerCase();

/** What the client has joined; all state is per socket. */
export class ResumeTracker {
  #status: { value: string | undefined } | undefined;
  readonly #follows = new Set<string>();
  readonly #followNames = new Set<string>();
  readonly #channels = new Map<string, ChannelState>();
  readonly #matches = new Map<string, MatchState>();
  readonly #parties = new Map<string, string>();
  readonly #tickets = new Set<string>();

  /** Forgets everything (deliberate disconnect, or a close that ends the socket for good). */
  clear(): void {
    this.#status = undefined;
    this.#follows.clear();
    this.#followNames.clear();
    this.#channels.clear();
    this.#matches.clear();
    this.#parties.clear();
    this.#tickets.clear();
  }

  /** Learns from a successful request. Called before the caller's promise settles. */
  onReply(type: string, body: Body, reply: unknown): void {
    const r = (reply ?? {}) as Record<string, unknown>;
    const b = body ?? {};
    switch (type) {
      case 'status_update':
        this.#status = { value: str(b.status) };
        break;
      case 'status_follow':
        for (const id of strings(b.user_ids)) this.#follows.add(id);
        for (const name of strings(b.usernames)) this.#followNames.add(name);
        break;
      case 'status_unfollow':
        for (const id of strings(b.user_ids)) this.#follows.delete(id);
        break;
      case 'channel_join': {
        const id = str(r.id);
        if (id === undefined) break;
        const type = typeof b.type === 'number' && b.type !== 0 ? b.type : 1;
        const persistence = typeof b.persistence === 'boolean' ? b.persistence : undefined;
        const hidden = typeof b.hidden === 'boolean' ? b.hidden : undefined;
        this.#channels.set(id, { target: str(b.target) ?? '', type, persistence, hidden });
        break;
      }
      case 'channel_leave':
        this.#channels.delete(str(b.channel_id) ?? '');
        break;
      case 'match_create':
      case 'match_join': {
        const matchId = str(r.match_id);
        if (matchId === undefined) break;
        const known = this.#matches.get(idKey(matchId));
        const name = type === 'match_create' ? str(b.name) || undefined : known?.name;
        const metadata = (b.metadata as Record<string, string> | undefined) ?? known?.metadata;
        const selfSessionId = str((r.self as Record<string, unknown> | undefined)?.session_id);
        this.#matches.set(idKey(matchId), { matchId, name, metadata, selfSessionId });
        break;
      }
      case 'match_leave':
        this.#matches.delete(idKey(str(b.match_id) ?? ''));
        break;
      case 'party_create': {
        const partyId = str(r.party_id);
        if (partyId !== undefined) this.#parties.set(idKey(partyId), partyId);
        break;
      }
      case 'party_leave':
      case 'party_close':
        this.#parties.delete(idKey(str(b.party_id) ?? ''));
        break;
      case 'matchmaker_add': {
        const ticket = str(r.ticket);
        if (ticket !== undefined) this.#tickets.add(ticket);
        break;
      }
      case 'matchmaker_remove':
        this.#tickets.delete(str(b.ticket) ?? '');
        break;
    }
  }

  /** Learns from a push. */
  onPush(event: PushEvent): void {
    switch (event.type) {
      case 'party':
        this.#parties.set(idKey(event.body.party_id), event.body.party_id);
        break;
      case 'party_close':
        this.#parties.delete(idKey(event.body.party_id));
        break;
      case 'match_presence_event': {
        const match = this.#matches.get(idKey(event.body.match_id));
        const self = match?.selfSessionId;
        if (self !== undefined && event.body.leaves?.some((p) => p.session_id === self)) {
          this.#matches.delete(idKey(event.body.match_id));
        }
        break;
      }
      case 'matchmaker_matched':
        this.#tickets.delete(event.body.ticket);
        break;
    }
  }

  /**
   * Re-applies everything on a new connection (requests pipelined: the server handles one session's
   * messages in order). Resolves once every request settled; never rejects.
   */
  async resume(request: ResumeRequest): Promise<{ resumed: ResumeItem[]; failed: ResumeFailure[] }> {
    const jobs: { item: ResumeItem; run: () => Promise<unknown>; forget: () => void }[] = [];
    const failed: ResumeFailure[] = [];
    const status = this.#status;
    if (status !== undefined) {
      const body = status.value === undefined ? {} : { status: status.value };
      jobs.push({
        item: { kind: 'status', status: status.value },
        run: () => request('status_update', body),
        forget: () => {
          this.#status = undefined;
        },
      });
    }
    if (this.#follows.size > 0 || this.#followNames.size > 0) {
      const userIds = [...this.#follows];
      const usernames = [...this.#followNames];
      const body: Record<string, unknown> = {};
      if (userIds.length > 0) body.user_ids = userIds;
      if (usernames.length > 0) body.usernames = usernames;
      jobs.push({
        item: { kind: 'follows', userIds, usernames },
        run: () => request('status_follow', body),
        forget: () => {
          this.#follows.clear();
          this.#followNames.clear();
        },
      });
    }
    for (const [channelId, c] of this.#channels) {
      const body: Record<string, unknown> = { target: c.target, type: c.type };
      if (c.persistence !== undefined) body.persistence = c.persistence;
      if (c.hidden !== undefined) body.hidden = c.hidden;
      jobs.push({
        item: { kind: 'channel', channelId, target: c.target, channelType: c.type },
        run: () => request('channel_join', body),
        forget: () => this.#channels.delete(channelId),
      });
    }
    for (const [key, m] of this.#matches) {
      m.selfSessionId = undefined;
      const body: Record<string, unknown> =
        m.name !== undefined ? { name: m.name } : { match_id: m.matchId, metadata: m.metadata };
      jobs.push({
        item: { kind: 'match', matchId: m.matchId, name: m.name },
        run: () => request(m.name !== undefined ? 'match_create' : 'match_join', body),
        forget: () => this.#matches.delete(key),
      });
    }
    for (const [key, partyId] of this.#parties) {
      jobs.push({
        item: { kind: 'party', partyId },
        run: () => request('party_join', { party_id: partyId }),
        forget: () => this.#parties.delete(key),
      });
    }
    for (const ticket of this.#tickets) {
      const message =
        `matchmaker ticket ${ticket} ended with the connection (the server removes a session's tickets ` +
        'when it disconnects); add a new one';
      failed.push({
        item: { kind: 'matchmaker', ticket },
        error: new RealtimeSocketError(RealtimeFailure.NOT_RESUMABLE, message),
      });
    }
    this.#tickets.clear();

    const results = await Promise.allSettled(jobs.map((job) => job.run()));
    const resumed: ResumeItem[] = [];
    results.forEach((result, i) => {
      const job = jobs[i]!;
      if (result.status === 'fulfilled') {
        resumed.push(job.item);
        return;
      }
      const reason: unknown = result.reason;
      const error =
        reason instanceof RealtimeRequestError || reason instanceof RealtimeSocketError
          ? reason
          : new RealtimeSocketError(RealtimeFailure.DISCONNECTED, String(reason));
      // The server said no (the match ended, the party is gone): forget it. A timeout or another
      // disconnect says nothing about the item, so it is tried again next time.
      if (error instanceof RealtimeRequestError) job.forget();
      failed.push({ item: job.item, error });
    });
    return { resumed, failed };
  }
}
