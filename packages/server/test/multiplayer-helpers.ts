/**
 * Helpers for party and matchmaker tests with the unmodified nakama-js 2.8.0 client: a recorder for
 * its party and matchmaker callbacks, and a fence that proves no push is still on its way.
 */
import type {
  MatchmakerMatched,
  Party,
  PartyData,
  PartyJoinRequest,
  PartyLeader,
  PartyMatchmakerTicket,
  PartyPresenceEvent,
} from '@heroiclabs/nakama-js';
import type { TestServer } from './helpers.ts';
import { connectPlayer, type Player } from './realtime-helpers.ts';

/** Party and matchmaker callbacks of a nakama-js socket. */
export const MULTIPLAYER_EVENTS = [
  'onparty',
  'onpartypresence',
  'onpartyleader',
  'onpartyclose',
  'onpartydata',
  'onpartyjoinrequest',
  'onpartymatchmakerticket',
  'onmatchmakermatched',
] as const;
export type MultiplayerEvent = (typeof MULTIPLAYER_EVENTS)[number];

/** What each callback receives. */
export interface MultiplayerEventTypes {
  onparty: Party;
  onpartypresence: PartyPresenceEvent;
  onpartyleader: PartyLeader;
  onpartyclose: { party_id: string };
  onpartydata: PartyData;
  onpartyjoinrequest: PartyJoinRequest;
  onpartymatchmakerticket: PartyMatchmakerTicket;
  onmatchmakermatched: MatchmakerMatched;
}

/** A presence as the server sends it. */
export interface WirePresence {
  user_id: string;
  session_id: string;
  username: string;
}

/** Records every party/matchmaker callback in order; each kind can be awaited in turn. */
export class MultiplayerRecorder {
  readonly events: { kind: MultiplayerEvent; value: unknown }[] = [];
  readonly #read = new Map<MultiplayerEvent, number>();
  readonly #waiters: (() => void)[] = [];

  constructor(socket: Player['socket']) {
    for (const kind of MULTIPLAYER_EVENTS) {
      (socket as unknown as Record<string, (v: unknown) => void>)[kind] = (value: unknown) => {
        this.events.push({ kind, value });
        for (const w of this.#waiters.splice(0)) w();
      };
    }
  }

  /** Every value received for one callback so far. */
  all<K extends MultiplayerEvent>(kind: K): MultiplayerEventTypes[K][] {
    return this.events.filter((e) => e.kind === kind).map((e) => e.value as MultiplayerEventTypes[K]);
  }

  /** The next value of a callback not yet returned by `next`, waiting for it. */
  async next<K extends MultiplayerEvent>(kind: K, timeoutMs = 5000): Promise<MultiplayerEventTypes[K]> {
    const index = this.#read.get(kind) ?? 0;
    this.#read.set(kind, index + 1);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const have = this.all(kind);
      if (have.length > index) return have[index]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${kind} #${index} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** A nakama-js player whose party and matchmaker callbacks are recorded. */
export interface MultiplayerPlayer extends Player {
  readonly mp: MultiplayerRecorder;
  readonly userId: string;
}

/** Logs a device in, opens its socket and records its party/matchmaker callbacks. */
export async function connectMultiplayer(
  server: TestServer,
  opened: Player[],
  username?: string,
): Promise<MultiplayerPlayer> {
  const player = await connectPlayer(server, opened, username === undefined ? {} : { username });
  return { ...player, mp: new MultiplayerRecorder(player.socket), userId: player.session.user_id! };
}

/**
 * Waits until everything the server sent this player before now has arrived: a request's reply is
 * sent after every earlier push to the same session, so once it resolves, "no push" is final.
 */
export async function fence(player: Player): Promise<void> {
  await player.socket.unfollowUsers([]);
}

/** The error a nakama-js promise rejects with (`{code, message}`), failing if it resolves. */
export async function rejection(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  return p.then(
    (v) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e as { code: number; message: string },
  );
}

/** Session ids of a presence list. */
export function sessionIds(list: readonly WirePresence[] | undefined): string[] {
  return (list ?? []).map((p) => p.session_id);
}
