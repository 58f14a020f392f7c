/**
 * The server runtime: loads game modules and holds what they registered (RPCs, match handlers, the
 * matchmaker hook).
 *
 * @packageDocumentation
 */
import { readdir, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CLIENT_MESSAGE_KEYS } from '@tether/protocol';
import type { Logger } from 'pino';
import type { ApiHooks } from '../api/api-hooks.ts';
import type { LeaderboardHooks } from '../features/leaderboards/reset-scheduler.ts';
import { gameLogger, type MatchHandler } from '../features/match/match-handler.ts';
import { parseMatchId } from '../features/match/match-id.ts';
import type { MatchRegistry } from '../features/match/match-registry.ts';
import type { RpcRegistry } from '../features/rpc/rpc-registry.ts';
import type { SocketHooks } from '../pipeline/socket-hooks.ts';
import { snakeCaseName } from '../shared/hooks.ts';
import type {
  ApiAfterHook,
  ApiBeforeHook,
  Initializer,
  InitModule,
  LeaderboardResetFunction,
  MatchmakerEntry,
  MatchmakerMatchedFunction,
  RpcFunction,
  RtAfterHook,
  RtBeforeHook,
  RuntimeApi,
  TournamentEndFunction,
  TournamentResetFunction,
} from './api.ts';
import { leaderboardOf, type RuntimeLeaderboards, tournamentOf } from './nk/leaderboards.ts';

/**
 * Hooks other features call into game code through. The matchmaker calls {@link matchmakerMatched}
 * once per formed match, before it notifies the players.
 */
export interface RuntimeHooks {
  /** True when a module registered a matchmaker-matched hook. */
  readonly hasMatchmakerMatched: boolean;
  /**
   * Runs the module's hook: resolves to the authoritative match id the players should join, or
   * `undefined` to fall back to a relayed match token (also when there is no hook, or it failed or
   * returned something that is not a match id; failures are logged, never thrown).
   */
  matchmakerMatched(entries: readonly MatchmakerEntry[]): Promise<string | undefined>;
  /** The leaderboard scheduler's callbacks: run the module's reset and end functions, if any. */
  readonly leaderboards: LeaderboardHooks;
}

/** Where modules' before/after hooks go: the socket pipeline's and the HTTP router's slots. */
export interface RuntimeHookSlots {
  readonly socket: SocketHooks;
  readonly api: ApiHooks;
  /** The API names routes declare (for checking registrations). */
  apiNames(): readonly string[];
}

/** A module file that could not be loaded; the message names the file and the reason. */
export class RuntimeLoadError extends Error {
  override readonly name = 'RuntimeLoadError';
}

/** File extensions loaded from the runtime folder. */
export const MODULE_EXTENSIONS: readonly string[] = ['.ts', '.mts', '.js', '.mjs'];

/**
 * Game modules and what they registered. Build one per server; call {@link load} once at start.
 */
export class Runtime {
  /** Registered RPC functions (the RPC feature's registry, filled by modules). */
  readonly rpc: RpcRegistry;
  /** Hooks for other features (the matchmaker). */
  readonly hooks: RuntimeHooks;
  readonly #nk: RuntimeApi;
  readonly #matches: MatchRegistry;
  readonly #log: Logger;
  readonly #node: string;
  readonly #slots: RuntimeHookSlots;
  #matchmakerMatched: MatchmakerMatchedFunction | undefined;
  #leaderboardReset: LeaderboardResetFunction | undefined;
  #tournamentEnd: TournamentEndFunction | undefined;
  #tournamentReset: TournamentResetFunction | undefined;
  readonly #modules: string[] = [];

  constructor(deps: {
    nk: RuntimeApi;
    rpc: RpcRegistry;
    matches: MatchRegistry;
    hooks: RuntimeHookSlots;
    logger: Logger;
    node: string;
    /** Converts boards for the leaderboard callbacks. */
    leaderboards?: RuntimeLeaderboards | undefined;
  }) {
    this.#slots = deps.hooks;
    this.#nk = deps.nk;
    this.#matches = deps.matches;
    this.#log = deps.logger;
    this.#node = deps.node;
    this.rpc = deps.rpc;
    const self = this;
    this.hooks = Object.freeze({
      get hasMatchmakerMatched() {
        return self.#matchmakerMatched !== undefined;
      },
      matchmakerMatched: (entries: readonly MatchmakerEntry[]) => this.#runMatchmakerMatched(entries),
      leaderboards: this.#leaderboardHooks(deps.leaderboards),
    });
  }

  /** Names of the modules whose init has run, in load order (`inline` for ones run from code). */
  get modules(): readonly string[] {
    return this.#modules;
  }

  /** The `nk` object modules receive. */
  get nk(): RuntimeApi {
    return this.#nk;
  }

  /**
   * Loads every module in `dir` (top level only, sorted by name; files starting with `_` or `.`, `*.d.ts`
   * and `*.test.*` are skipped, so helpers can sit next to modules) and runs its init. A file without a
   * `default`/`init` function is skipped with a warning. Throws {@link RuntimeLoadError} for a missing
   * folder or a module whose import or init fails: a half-loaded game is worse than none.
   *
   * @returns the loaded files' names
   */
  async load(dir: string): Promise<string[]> {
    const root = resolve(dir);
    const info = await stat(root).catch(() => undefined);
    if (!info?.isDirectory())
      throw new RuntimeLoadError(`runtime folder '${dir}' does not exist or is not a folder`);
    const files = (await readdir(root)).filter(isModuleFile).sort();
    const loaded: string[] = [];
    for (const file of files) {
      const init = await this.#import(join(root, file), file);
      if (!init) continue;
      await this.run(init, file);
      loaded.push(file);
    }
    this.#log.info(
      { dir: root, modules: loaded, rpcs: this.rpc.ids(), matchHandlers: this.#matches.handlerNames() },
      'runtime loaded',
    );
    return loaded;
  }

  /** Runs one init function (a loaded module's, or one given by an embedder or a test). */
  async run(init: InitModule, name = 'inline'): Promise<void> {
    let open = true;
    const guard = (what: string) => {
      if (!open) throw new Error(`${what} is only available while a module's init runs`);
    };
    const initializer: Initializer = {
      registerRpc: (id: string, fn: RpcFunction) => {
        guard('registerRpc');
        this.rpc.register(id, fn);
      },
      registerMatch: <S>(handlerName: string, handler: MatchHandler<S>) => {
        guard('registerMatch');
        this.#matches.registerHandler(handlerName, handler as MatchHandler);
      },
      registerRtBefore: (messageName: string, fn: RtBeforeHook) => {
        guard('registerRtBefore');
        this.#slots.socket.setBefore(this.#socketMessage(messageName, fn), fn as never);
      },
      registerRtAfter: (messageName: string, fn: RtAfterHook) => {
        guard('registerRtAfter');
        this.#slots.socket.setAfter(this.#socketMessage(messageName, fn), fn as never);
      },
      registerApiBefore: (apiName: string, fn: ApiBeforeHook) => {
        guard('registerApiBefore');
        this.#slots.api.setBefore(this.#apiName(apiName, fn), fn);
      },
      registerApiAfter: (apiName: string, fn: ApiAfterHook) => {
        guard('registerApiAfter');
        this.#slots.api.setAfter(this.#apiName(apiName, fn), fn);
      },
      registerMatchmakerMatched: (fn: MatchmakerMatchedFunction) => {
        guard('registerMatchmakerMatched');
        if (typeof fn !== 'function') throw new Error('registerMatchmakerMatched needs a function');
        if (this.#matchmakerMatched) throw new Error('a matchmaker-matched hook is already registered');
        this.#matchmakerMatched = fn;
      },
      registerLeaderboardReset: (fn: LeaderboardResetFunction) => {
        guard('registerLeaderboardReset');
        this.#leaderboardReset = this.#once('registerLeaderboardReset', fn, this.#leaderboardReset);
      },
      registerTournamentEnd: (fn: TournamentEndFunction) => {
        guard('registerTournamentEnd');
        this.#tournamentEnd = this.#once('registerTournamentEnd', fn, this.#tournamentEnd);
      },
      registerTournamentReset: (fn: TournamentResetFunction) => {
        guard('registerTournamentReset');
        this.#tournamentReset = this.#once('registerTournamentReset', fn, this.#tournamentReset);
      },
    };
    try {
      await init(initializer, this.#nk, gameLogger(this.#log.child({ module: name })));
      this.#modules.push(name);
    } catch (err) {
      throw new RuntimeLoadError(`module ${name}: init failed: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    } finally {
      open = false;
    }
  }

  /** Checks a one-per-server registration: a function, and the first of its kind. */
  #once<F>(what: string, fn: F, existing: F | undefined): F {
    if (typeof fn !== 'function') throw new Error(`${what} needs a function`);
    if (existing) throw new Error(`${what}: a function is already registered`);
    return fn;
  }

  /** The scheduler's callbacks, calling whatever modules registered (nothing when none did). */
  #leaderboardHooks(feature: RuntimeLeaderboards | undefined): LeaderboardHooks {
    const ctx = () => ({ node: this.#node });
    return {
      leaderboardReset: async (board, reset) => {
        if (feature && this.#leaderboardReset) {
          await this.#leaderboardReset(ctx(), leaderboardOf(feature.leaderboards, board), reset);
        }
      },
      tournamentEnd: async (view, end, reset) => {
        if (feature && this.#tournamentEnd) {
          await this.#tournamentEnd(ctx(), tournamentOf(feature.leaderboards, view), end, reset);
        }
      },
      tournamentReset: async (view, end, reset) => {
        if (feature && this.#tournamentReset) {
          await this.#tournamentReset(ctx(), tournamentOf(feature.leaderboards, view), end, reset);
        }
      },
    };
  }

  /** The envelope name of a socket message (`ChannelJoin` → `channel_join`); throws for an unknown one. */
  #socketMessage(name: string, fn: unknown): string {
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
  #apiName(name: string, fn: unknown): string {
    if (typeof fn !== 'function') throw new Error(`a hook for '${name}' must be a function`);
    const known = this.#slots.apiNames();
    const found = known.find((n) => n.toLowerCase() === String(name).toLowerCase());
    if (!found) throw new Error(`no API '${name}' to hook (APIs: ${known.join(', ')})`);
    return found;
  }

  async #import(path: string, file: string): Promise<InitModule | undefined> {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    } catch (err) {
      throw new RuntimeLoadError(
        `module ${file}: cannot be imported: ${(err as Error)?.message ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
    const init = typeof mod.default === 'function' ? mod.default : mod.init;
    if (typeof init === 'function') return init as InitModule;
    this.#log.warn({ file }, 'runtime file has no default or init function export: skipped');
    return undefined;
  }

  async #runMatchmakerMatched(entries: readonly MatchmakerEntry[]): Promise<string | undefined> {
    const fn = this.#matchmakerMatched;
    if (!fn) return undefined;
    try {
      const id = await fn({ node: this.#node }, entries);
      if (id === undefined || id === null || id === '') return undefined;
      if (typeof id === 'string' && parseMatchId(id)) return id;
      this.#log.warn(
        { returned: String(id).slice(0, 80) },
        'matchmaker-matched hook returned no match id: ignored',
      );
    } catch (err) {
      this.#log.error({ err }, 'matchmaker-matched hook failed: falling back to a relayed match token');
    }
    return undefined;
  }
}

function isModuleFile(name: string): boolean {
  if (
    name.startsWith('.') ||
    name.startsWith('_') ||
    name.endsWith('.d.ts') ||
    /\.test\.[cm]?[jt]s$/.test(name)
  ) {
    return false;
  }
  return MODULE_EXTENSIONS.includes(extname(name));
}
