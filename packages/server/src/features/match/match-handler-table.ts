import { invalid } from '../../shared/domain-error.ts';
import type { MatchHandler } from './match-handler.ts';

/** Handler names: what `registerMatch` and `nk.matchCreate` accept. */
const HANDLER_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

/**
 * Match handlers by name, as game modules register them. The registry holds the live table; a
 * runtime reload fills a fresh one and swaps it in whole (`MatchRegistry.replaceHandlers`).
 */
export class MatchHandlerTable {
  readonly #handlers = new Map<string, MatchHandler>();

  /** Registers a handler under a unique name; throws INVALID_ARGUMENT for a bad name or handler, or a duplicate. */
  register(name: string, handler: MatchHandler): void {
    if (!HANDLER_NAME.test(name)) {
      throw invalid(
        `Invalid match handler name '${String(name).slice(0, 64)}': use 1-128 of [A-Za-z0-9_.:-]`,
      );
    }
    if (typeof handler?.matchInit !== 'function' || typeof handler.matchLoop !== 'function') {
      throw invalid(`Match handler '${name}' must have matchInit and matchLoop functions`);
    }
    if (this.#handlers.has(name)) throw invalid(`Match handler '${name}' is already registered`);
    this.#handlers.set(name, handler);
  }

  /** The handler registered under `name`. */
  get(name: string): MatchHandler | undefined {
    return this.#handlers.get(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.#handlers.keys()];
  }

  /** An independent table with the same handlers. */
  copy(): MatchHandlerTable {
    const table = new MatchHandlerTable();
    for (const [name, handler] of this.#handlers) table.#handlers.set(name, handler);
    return table;
  }
}
