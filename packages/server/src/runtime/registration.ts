/**
 * Where game modules' registrations go: a set of tables (RPCs, match handlers, socket and API hooks,
 * the matchmaker hook) and the `initializer` that fills them. The server's live tables are one set; a
 * reload fills a fresh set and the runtime swaps it in whole.
 *
 * @packageDocumentation
 */
import { CLIENT_MESSAGE_KEYS } from '@tether/protocol';
import type { ApiHooks } from '../api/api-hooks.ts';
import type { MatchHandler } from '../features/match/match-handler.ts';
import type { RpcRegistry } from '../features/rpc/rpc-registry.ts';
import type { SocketHooks } from '../pipeline/socket-hooks.ts';
import { snakeCaseName } from '../shared/hooks.ts';
import type {
  ApiAfterHook,
  ApiBeforeHook,
  Initializer,
  LeaderboardResetFunction,
  MatchmakerMatchedFunction,
  RpcFunction,
  RtAfterHook,
  RtBeforeHook,
  TournamentEndFunction,
  TournamentResetFunction,
} from './api.ts';

/** One set of registration tables. */
export interface RegistrationTables {
  readonly rpc: RpcRegistry;
  readonly matchHandlers: { register(name: string, handler: MatchHandler): void };
  readonly socketHooks: SocketHooks;
  readonly apiHooks: ApiHooks;
  /** Holds the one matchmaker-matched hook. */
  readonly matchmaker: { fn: MatchmakerMatchedFunction | undefined };
  /** Holds the one leaderboard-reset, tournament-end and tournament-reset function each. */
  readonly leaderboards: {
    reset?: LeaderboardResetFunction | undefined;
    tournamentEnd?: TournamentEndFunction | undefined;
    tournamentReset?: TournamentResetFunction | undefined;
  };
}

/** One registration call, kept so that registrations made in code survive a reload of the modules. */
export type RegistrationOp = (tables: RegistrationTables) => void;

/**
 * An initializer whose every call applies one op to `tables` (and hands it to `record`, if given)
 * while `isOpen()` says the init is still running.
 */
export function createInitializer(
  tables: RegistrationTables,
  isOpen: () => boolean,
  apiNames: () => readonly string[],
  record?: (op: RegistrationOp) => void,
): Initializer {
  // The name checks run inside `apply`, after the init-is-running check, so a late call says why.
  const apply = (what: string, make: () => RegistrationOp) => {
    if (!isOpen()) throw new Error(`${what} is only available while a module's init runs`);
    const op = make();
    op(tables);
    record?.(op);
  };
  return {
    registerRpc: (id: string, fn: RpcFunction) => apply('registerRpc', () => (t) => t.rpc.register(id, fn)),
    registerMatch: <S>(name: string, handler: MatchHandler<S>) =>
      apply('registerMatch', () => (t) => t.matchHandlers.register(name, handler as MatchHandler)),
    registerRtBefore: (messageName: string, fn: RtBeforeHook) =>
      apply('registerRtBefore', () => {
        const key = socketMessage(messageName, fn);
        return (t) => t.socketHooks.setBefore(key, fn as never);
      }),
    registerRtAfter: (messageName: string, fn: RtAfterHook) =>
      apply('registerRtAfter', () => {
        const key = socketMessage(messageName, fn);
        return (t) => t.socketHooks.setAfter(key, fn as never);
      }),
    registerApiBefore: (name: string, fn: ApiBeforeHook) =>
      apply('registerApiBefore', () => {
        const key = apiName(name, fn, apiNames());
        return (t) => t.apiHooks.setBefore(key, fn);
      }),
    registerApiAfter: (name: string, fn: ApiAfterHook) =>
      apply('registerApiAfter', () => {
        const key = apiName(name, fn, apiNames());
        return (t) => t.apiHooks.setAfter(key, fn);
      }),
    registerMatchmakerMatched: (fn: MatchmakerMatchedFunction) =>
      apply('registerMatchmakerMatched', () => {
        if (typeof fn !== 'function') throw new Error('registerMatchmakerMatched needs a function');
        return (t) => {
          if (t.matchmaker.fn) throw new Error('a matchmaker-matched hook is already registered');
          t.matchmaker.fn = fn;
        };
      }),
    registerLeaderboardReset: (fn: LeaderboardResetFunction) =>
      apply('registerLeaderboardReset', () => once('registerLeaderboardReset', fn, 'reset')),
    registerTournamentEnd: (fn: TournamentEndFunction) =>
      apply('registerTournamentEnd', () => once('registerTournamentEnd', fn, 'tournamentEnd')),
    registerTournamentReset: (fn: TournamentResetFunction) =>
      apply('registerTournamentReset', () => once('registerTournamentReset', fn, 'tournamentReset')),
  };
}

/** A one-per-server leaderboard callback: a function, and the first of its kind. */
function once(what: string, fn: unknown, slot: keyof RegistrationTables['leaderboards']): RegistrationOp {
  if (typeof fn !== 'function') throw new Error(`${what} needs a function`);
  return (t) => {
    if (t.leaderboards[slot]) throw new Error(`${what}: a function is already registered`);
    (t.leaderboards as Record<string, unknown>)[slot] = fn;
  };
}

/** The envelope name of a socket message (`ChannelJoin` → `channel_join`); throws for an unknown one. */
function socketMessage(name: string, fn: unknown): string {
  if (typeof fn !== 'function') throw new Error(`a hook for '${name}' must be a function`);
  const key = snakeCaseName(String(name));
  if (!(CLIENT_MESSAGE_KEYS as readonly string[]).includes(key)) {
    throw new Error(
      `no socket message '${name}' to hook (client messages: ${CLIENT_MESSAGE_KEYS.join(', ')})`,
    );
  }
  return key;
}

/** A known API name (any case); throws for one no route declares. */
function apiName(name: string, fn: unknown, known: readonly string[]): string {
  if (typeof fn !== 'function') throw new Error(`a hook for '${name}' must be a function`);
  const found = known.find((n) => n.toLowerCase() === String(name).toLowerCase());
  if (!found) throw new Error(`no API '${name}' to hook (APIs: ${known.join(', ')})`);
  return found;
}
