/**
 * The server runtime: loads game modules and holds what they registered (RPCs, match handlers, the
 * matchmaker hook), and with `--runtime-watch` reloads them when their files change.
 *
 * @packageDocumentation
 */
import type { Logger } from 'pino';
import type { ApiHooks } from '../api/api-hooks.ts';
import type { LeaderboardHooks } from '../features/leaderboards/reset-scheduler.ts';
import { gameLogger } from '../features/match/match-handler.ts';
import { MatchHandlerTable } from '../features/match/match-handler-table.ts';
import { parseMatchId } from '../features/match/match-id.ts';
import type { MatchRegistry } from '../features/match/match-registry.ts';
import { RpcRegistry } from '../features/rpc/rpc-registry.ts';
import type { SocketHooks } from '../pipeline/socket-hooks.ts';
import type { InitModule, MatchmakerEntry, RuntimeApi } from './api.ts';
import { listModules, ModuleGeneration, RuntimeLoadError } from './module-loader.ts';
import { type ModuleWatch, watchModules } from './module-watcher.ts';
import { leaderboardOf, type RuntimeLeaderboards, tournamentOf } from './nk/leaderboards.ts';
import { createInitializer, type RegistrationOp, type RegistrationTables } from './registration.ts';

export { MODULE_EXTENSIONS, RuntimeLoadError } from './module-loader.ts';

/** How long the folder must be quiet after a change before a reload starts. */
const RELOAD_DEBOUNCE_MS = 150;

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

/**
 * Game modules and what they registered. Build one per server; call {@link load} once at start, and
 * {@link watch} to reload the modules when their files change.
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
  /** The tables the server runs on. */
  readonly #live: RegistrationTables;
  /** Registrations made in code with {@link run}: a reload keeps them. */
  readonly #inline: RegistrationOp[] = [];
  #dir: string | undefined;
  #watch: ModuleWatch | undefined;
  /** The reload in progress, and whether files changed again while it ran. */
  #reloading: Promise<void> | undefined;
  #changedAgain = false;
  #closed = false;
  /** Modules whose init has run, in load order; `inline` and the names of ones run from code. */
  #modules: string[] = [];
  /** The names of the inits run from code, kept across reloads. */
  readonly #inlineNames: string[] = [];

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
    const matches = deps.matches;
    this.#live = {
      rpc: deps.rpc,
      matchHandlers: { register: (name, handler) => matches.registerHandler(name, handler) },
      socketHooks: deps.hooks.socket,
      apiHooks: deps.hooks.api,
      matchmaker: { fn: undefined },
      leaderboards: {},
    };
    const live = this.#live;
    this.hooks = Object.freeze({
      get hasMatchmakerMatched() {
        return live.matchmaker.fn !== undefined;
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
   * Loads every module in `dir` (top level only, sorted by name; files starting with `_` or `.`,
   * declarations and `*.test.*` are skipped, so helpers can sit next to modules) and runs its init. A
   * file without a `default`/`init` function is skipped with a warning. Throws {@link RuntimeLoadError}
   * for a missing folder or a module whose import or init fails: a half-loaded game is worse than none.
   *
   * @returns the loaded files' names
   */
  async load(dir: string): Promise<string[]> {
    const { root, files } = await listModules(dir);
    this.#dir = root;
    const loaded = await this.#loadInto(this.#live, root, files);
    this.#log.info(
      { dir: root, modules: loaded, rpcs: this.rpc.ids(), matchHandlers: this.#matches.handlerNames() },
      'runtime loaded',
    );
    return loaded;
  }

  /**
   * Loads the module folder again into fresh tables and, once every init has succeeded, swaps them in
   * at once: new RPC calls, new matches and new hooks use the new code, while running authoritative
   * matches keep the handler they started with and connected sockets stay. When a module fails, the
   * previous code stays in place and the error is thrown ({@link RuntimeLoadError}).
   */
  async reload(): Promise<string[]> {
    if (!this.#dir) throw new RuntimeLoadError('no runtime folder loaded: nothing to reload');
    const { root, files } = await listModules(this.#dir);
    const matchHandlers = new MatchHandlerTable();
    const staged: RegistrationTables = {
      rpc: new RpcRegistry(this.#log),
      matchHandlers,
      socketHooks: this.#slots.socket.emptyCopy(),
      apiHooks: this.#slots.api.emptyCopy(),
      matchmaker: { fn: undefined },
      leaderboards: {},
    };
    for (const op of this.#inline) op(staged);
    const loaded = await this.#loadInto(staged, root, files);
    // One synchronous step: no message is handled between these assignments.
    this.rpc.replaceWith(staged.rpc);
    this.#matches.replaceHandlers(matchHandlers);
    this.#slots.socket.replaceWith(staged.socketHooks);
    this.#slots.api.replaceWith(staged.apiHooks);
    this.#live.matchmaker.fn = staged.matchmaker.fn;
    Object.assign(this.#live.leaderboards, {
      reset: staged.leaderboards.reset,
      tournamentEnd: staged.leaderboards.tournamentEnd,
      tournamentReset: staged.leaderboards.tournamentReset,
    });
    this.#modules = [...this.#inlineNames, ...loaded];
    this.#log.info(
      { dir: root, modules: loaded, rpcs: this.rpc.ids(), matchHandlers: this.#matches.handlerNames() },
      'runtime reloaded',
    );
    return loaded;
  }

  /**
   * Reloads the modules whenever a file in the loaded folder changes (debounced; one reload at a
   * time, and one more if files changed while it ran). A failed reload is logged and keeps the
   * previous code. Stopped by {@link close}.
   */
  watch(): void {
    if (!this.#dir || this.#watch || this.#closed) return;
    this.#watch = watchModules(this.#dir, () => this.#changed(), {
      debounceMs: RELOAD_DEBOUNCE_MS,
      onError: (err) => this.#log.warn({ err }, 'runtime folder watch failed: reloads stopped'),
    });
    this.#log.info({ dir: this.#dir }, 'watching the runtime folder: changed modules reload');
  }

  /** Stops watching; resolves once a reload in progress has finished. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#watch?.close();
    this.#watch = undefined;
    await this.#reloading;
  }

  #changed(): void {
    if (this.#closed) return;
    if (this.#reloading) {
      this.#changedAgain = true;
      return;
    }
    this.#reloading = this.reload()
      .then(
        () => undefined,
        (err: unknown) =>
          this.#log.error(
            { err: (err as Error)?.message ?? String(err) },
            'runtime reload failed: the previous modules stay in place',
          ),
      )
      .finally(() => {
        this.#reloading = undefined;
        if (this.#changedAgain) {
          this.#changedAgain = false;
          this.#changed();
        }
      });
  }

  /** Runs one init function (a loaded module's, or one given by an embedder or a test). */
  async run(init: InitModule, name = 'inline'): Promise<void> {
    await this.#runInit(this.#live, init, name, (op) => this.#inline.push(op));
    this.#inlineNames.push(name);
    this.#modules.push(name);
  }

  async #loadInto(tables: RegistrationTables, root: string, files: readonly string[]): Promise<string[]> {
    const generation = new ModuleGeneration(root);
    const loaded: string[] = [];
    for (const file of files) {
      const { init } = await generation.import(file);
      if (!init) {
        this.#log.warn({ file }, 'runtime file has no default or init function export: skipped');
        continue;
      }
      await this.#runInit(tables, init, file);
      loaded.push(file);
      if (tables === this.#live) this.#modules.push(file);
    }
    return loaded;
  }

  async #runInit(
    tables: RegistrationTables,
    init: InitModule,
    name: string,
    record?: (op: RegistrationOp) => void,
  ): Promise<void> {
    let open = true;
    const initializer = createInitializer(
      tables,
      () => open,
      () => this.#slots.apiNames(),
      record,
    );
    try {
      await init(initializer, this.#nk, gameLogger(this.#log.child({ module: name })));
    } catch (err) {
      throw new RuntimeLoadError(`module ${name}: init failed: ${(err as Error)?.message ?? String(err)}`, {
        cause: err,
      });
    } finally {
      open = false;
    }
  }

  /** The scheduler's callbacks, calling whatever modules registered (nothing when none did). */
  #leaderboardHooks(feature: RuntimeLeaderboards | undefined): LeaderboardHooks {
    const ctx = () => ({ node: this.#node });
    const fns = this.#live.leaderboards;
    return {
      leaderboardReset: async (board, reset) => {
        if (feature && fns.reset) await fns.reset(ctx(), leaderboardOf(feature.leaderboards, board), reset);
      },
      tournamentEnd: async (view, end, reset) => {
        if (feature && fns.tournamentEnd) {
          await fns.tournamentEnd(ctx(), tournamentOf(feature.leaderboards, view), end, reset);
        }
      },
      tournamentReset: async (view, end, reset) => {
        if (feature && fns.tournamentReset) {
          await fns.tournamentReset(ctx(), tournamentOf(feature.leaderboards, view), end, reset);
        }
      },
    };
  }

  async #runMatchmakerMatched(entries: readonly MatchmakerEntry[]): Promise<string | undefined> {
    const fn = this.#live.matchmaker.fn;
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
