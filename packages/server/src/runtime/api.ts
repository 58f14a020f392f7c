/**
 * The server runtime API: what a game module sees. A module is a `.ts`, `.mts`, `.cts`, `.js`, `.mjs`
 * or `.cjs` file in the `--runtime` folder whose `default` (or `init`) export is an {@link InitModule};
 * it is loaded at start (and again on changes with `--runtime-watch`), with no build step.
 *
 * ```ts
 * import type { InitModule } from '@tether/server';
 *
 * const init: InitModule = (initializer, nk, logger) => {
 *   initializer.registerRpc('create_arena', () => JSON.stringify({ matchId: nk.matchCreate('arena') }));
 *   initializer.registerMatch('arena', arenaHandler);
 *   logger.info('arena module loaded');
 * };
 * export default init;
 * ```
 *
 * This file holds types only, so `import type` from it costs nothing at run time. The full guide is
 * docs/runtime.md.
 *
 * @packageDocumentation
 */

import type { ApiHookContext, ApiHookRequest } from '../api/api-hooks.ts';
import type { GameLogger, MatchHandler } from '../features/match/match-handler.ts';
import type { NoResult, RpcFunction } from '../features/rpc/rpc-types.ts';
import type { AccountNk } from './nk/accounts.ts';
import type { FriendNk } from './nk/friends.ts';
import type { GroupNk } from './nk/groups.ts';
import type { LeaderboardNk, Leaderboard as RuntimeLeaderboard, Tournament } from './nk/leaderboards.ts';
import type { MatchNk } from './nk/match.ts';
import type { NotificationNk } from './nk/notifications.ts';
import type { StorageNk } from './nk/storage.ts';
import type { StreamNk } from './nk/streams.ts';
import type { Presence } from './nk/types.ts';
import type { UserNk } from './nk/users.ts';
import type { WalletNk } from './nk/wallets.ts';

export type { Account, AccountNk, User } from './nk/accounts.ts';
export type { FriendNk, RuntimeFriend } from './nk/friends.ts';
export type { GroupNk } from './nk/groups.ts';
export type {
  Leaderboard,
  LeaderboardNk,
  LeaderboardRecord,
  LeaderboardRecordList,
  OperatorName,
  ScoreInput,
  Tournament,
} from './nk/leaderboards.ts';
export type { MatchInfo, MatchNk } from './nk/match.ts';
export type { NotificationNk } from './nk/notifications.ts';
export type { RuntimeGroup, RuntimeUser } from './nk/social-types.ts';
export type {
  StorageDeleteRequest,
  StorageNk,
  StorageObject,
  StorageObjectList,
  StorageReadRequest,
  StorageWriteAck,
  StorageWriteRequest,
} from './nk/storage.ts';
export type { StreamNk } from './nk/streams.ts';
export type { Presence, StreamId } from './nk/types.ts';
export type { UserNk } from './nk/users.ts';
export type {
  WalletLedgerItem,
  WalletLedgerList,
  WalletNk,
  WalletUpdate,
  WalletUpdateResult,
} from './nk/wallets.ts';

import type { SocketHookContext as RtHookContext } from '../pipeline/socket-hooks.ts';

export type {
  GameLogger as Logger,
  MatchContext,
  MatchData,
  MatchDispatcher,
  MatchHandler,
  MatchInitResult,
  MatchJoinAttemptResult,
  MatchMessage,
  MatchPresence,
  MatchSignalResult,
  MatchStateResult,
} from '../features/match/match-handler.ts';

export type { NoResult, RpcContext, RpcFunction } from '../features/rpc/rpc-types.ts';

/** One matched ticket, as the matchmaker hands it to a `registerMatchmakerMatched` function. */
export interface MatchmakerEntry {
  readonly presence: Presence;
  /** The ticket's string and numeric properties, merged. */
  readonly properties: Readonly<Record<string, string | number>>;
  readonly ticket: string;
  /** Set when the ticket was added by a party. */
  readonly partyId?: string;
}

/** Context of hooks that no user called directly. */
export interface HookContext {
  readonly node: string;
}

/**
 * Decides what a matchmaker result plays: return an authoritative match id (typically from
 * `nk.matchCreate(name, {entries})`) to send every matched player there, or nothing to let them meet in a
 * relayed match through a token. Throwing is logged and treated as nothing.
 */
export type MatchmakerMatchedFunction = (
  ctx: HookContext,
  entries: readonly MatchmakerEntry[],
) => string | NoResult | Promise<string | NoResult>;

/**
 * Runs when a scheduled leaderboard resets: `reset` is the Unix second its period ended. The
 * period's records stay readable with `expiry`; new writes go to the next period. Throwing is logged.
 */
export type LeaderboardResetFunction = (
  ctx: HookContext,
  leaderboard: RuntimeLeaderboard,
  reset: number,
) => void | Promise<void>;

/**
 * Runs when a tournament period stops taking scores (`end`) or expires (`reset`), both Unix
 * seconds (`reset` 0 = never). Throwing is logged.
 */
export type TournamentEndFunction = (
  ctx: HookContext,
  tournament: Tournament,
  end: number,
  reset: number,
) => void | Promise<void>;

/** Runs when a tournament period resets; same arguments as {@link TournamentEndFunction}. */
export type TournamentResetFunction = TournamentEndFunction;

export type { ApiHookContext, ApiHookRequest } from '../api/api-hooks.ts';
export type { SocketHookContext as RtHookContext } from '../pipeline/socket-hooks.ts';

/**
 * Runs before a socket message's handler: return the message body to handle (the same object or a
 * changed one), or `null` to reject it; throwing rejects it too, with the error's message (socket
 * code 7). Nakama's games use these for chat filtering and validation.
 */
export type RtBeforeHook = (
  ctx: RtHookContext,
  message: Record<string, unknown>,
) => Record<string, unknown> | null | undefined | Promise<Record<string, unknown> | null | undefined>;
/** Runs after a socket message was handled: sees the reply body (undefined without a reply) and the message. */
export type RtAfterHook = (
  ctx: RtHookContext,
  reply: unknown,
  message: Record<string, unknown>,
) => void | Promise<void>;
/**
 * Runs before an HTTP API call: return the request (`{ body, query }`) to run, changed or not, or
 * `null` to reject the call (403); a thrown error rejects it with its message (500, or its gRPC
 * `code` when it is a service error).
 */
export type ApiBeforeHook = (
  ctx: ApiHookContext,
  request: ApiHookRequest,
) => ApiHookRequest | null | undefined | Promise<ApiHookRequest | null | undefined>;
/** Runs after an HTTP API call succeeded: sees the response body and the request. */
export type ApiAfterHook = (
  ctx: ApiHookContext,
  response: unknown,
  request: ApiHookRequest,
) => void | Promise<void>;

/** Registration functions, valid only while a module's init runs. */
export interface Initializer {
  /**
   * Registers the before hook of a socket message, by its name in Nakama's form (`ChannelMessageSend`)
   * or the envelope's (`channel_message_send`). One per message.
   */
  registerRtBefore(messageName: string, fn: RtBeforeHook): void;
  /** Registers the after hook of a socket message. One per message. */
  registerRtAfter(messageName: string, fn: RtAfterHook): void;
  /** Registers the before hook of an HTTP API call, by Nakama's API name (`AuthenticateDevice`). One per API. */
  registerApiBefore(apiName: string, fn: ApiBeforeHook): void;
  /** Registers the after hook of an HTTP API call. One per API. */
  registerApiAfter(apiName: string, fn: ApiAfterHook): void;
  /** Registers an RPC under a case-insensitive id (callable over the socket and HTTP). */
  registerRpc(id: string, fn: RpcFunction): void;
  /** Registers an authoritative match handler, created with `nk.matchCreate(name, params)`. */
  registerMatch<S>(name: string, handler: MatchHandler<S>): void;
  /** Registers the one matchmaker-matched hook. */
  registerMatchmakerMatched(fn: MatchmakerMatchedFunction): void;
  /** Registers the one function run when a scheduled leaderboard resets. */
  registerLeaderboardReset(fn: LeaderboardResetFunction): void;
  /** Registers the one function run when a tournament period ends. */
  registerTournamentEnd(fn: TournamentEndFunction): void;
  /** Registers the one function run when a tournament period resets. */
  registerTournamentReset(fn: TournamentResetFunction): void;
}

/**
 * Server functions for game code (Nakama's `nk`): one slice per feature, each in `runtime/nk/`.
 * Failures throw an `Error` whose message says what was wrong.
 */
export interface RuntimeApi
  extends LeaderboardNk,
    MatchNk,
    NotificationNk,
    StreamNk,
    UserNk,
    FriendNk,
    GroupNk,
    AccountNk,
    StorageNk,
    WalletNk {}

/** A module's entry point: the `default` or `init` export. */
export type InitModule = (
  initializer: Initializer,
  nk: RuntimeApi,
  logger: GameLogger,
) => void | Promise<void>;
