/**
 * The authoritative matches running on this node and the handlers game modules registered for them.
 *
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { MatchMeter } from '../../observability/meters.ts';
import type { MessageRouter } from '../../presence/message-router.ts';
import type { Tracker } from '../../presence/tracker.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import { AuthoritativeMatch, type MatchEndReason, type MatchLimits } from './authoritative-match.ts';
import type { MatchHandler } from './match-handler.ts';
import { MatchHandlerTable } from './match-handler-table.ts';
import { parseMatchId } from './match-id.ts';
import type { TickScheduler } from './tick-scheduler.ts';

/** Dependencies of {@link MatchRegistry}. */
export interface MatchRegistryDeps {
  readonly tracker: Tracker;
  readonly router: MessageRouter;
  readonly clock: Clock;
  readonly scheduler: TickScheduler;
  readonly logger: Logger;
  /** This node's name: the `<node>` part of authoritative match ids. */
  readonly node: string;
  readonly limits: MatchLimits;
  /** Times each `matchLoop` of every match. */
  readonly meter?: MatchMeter | undefined;
}

/** Receives a match's start, label change or end. */
export type MatchChangeListener = (match: AuthoritativeMatch, change: 'created' | 'label' | 'ended') => void;

/**
 * Authoritative matches by uuid, and match handlers by name. A match is listed from the moment
 * {@link create} returns until it ends; ending removes it here (its `onEnded` callback).
 */
export class MatchRegistry {
  readonly #d: MatchRegistryDeps;
  #handlers = new MatchHandlerTable();
  readonly #matches = new Map<string, AuthoritativeMatch>();
  readonly #ended = new Set<(match: AuthoritativeMatch, reason: MatchEndReason) => void>();
  readonly #changed = new Set<MatchChangeListener>();
  #closing = false;

  constructor(deps: MatchRegistryDeps) {
    this.#d = deps;
  }

  /** This node's name. */
  get node(): string {
    return this.#d.node;
  }

  /** Inputs each match queues per tick window. */
  get inputQueueSize(): number {
    return this.#d.limits.inputQueueSize;
  }

  /** Registers a match handler under a unique name. */
  registerHandler(name: string, handler: MatchHandler): void {
    this.#handlers.register(name, handler);
  }

  /**
   * Replaces every handler with those of `table`, at once (a runtime reload). Running matches keep
   * the handler objects they started with; new matches get the new ones.
   */
  replaceHandlers(table: MatchHandlerTable): void {
    this.#handlers = table.copy();
  }

  /** Names of the registered handlers. */
  handlerNames(): string[] {
    return this.#handlers.names();
  }

  /**
   * Starts a match with the named handler. Throws a NOT_FOUND {@link DomainError} for an unknown
   * handler, UNAVAILABLE-style INTERNAL while shutting down, and `MatchInitError` when `matchInit` fails.
   */
  create(handlerName: string, params: Readonly<Record<string, unknown>> = {}): AuthoritativeMatch {
    const handler = this.#handlers.get(handlerName);
    if (!handler) throw new DomainError(ErrorKind.NOT_FOUND, `Match handler '${handlerName}' not registered`);
    if (this.#closing) throw new DomainError(ErrorKind.INTERNAL, 'Server is shutting down: no new matches');
    const match = AuthoritativeMatch.start(
      {
        ...this.#d,
        onEnded: (m, reason) => {
          this.#matches.delete(m.uuid);
          for (const listener of [...this.#ended]) listener(m, reason);
          this.#emit(m, 'ended');
        },
        onLabelChanged: (m) => this.#emit(m, 'label'),
      },
      { uuid: randomUUID(), handlerName, handler, params },
    );
    this.#matches.set(match.uuid, match);
    this.#emit(match, 'created');
    return match;
  }

  /** Subscribes to matches starting, changing label and ending (the listing other nodes see). */
  onChanged(listener: MatchChangeListener): () => void {
    this.#changed.add(listener);
    return () => this.#changed.delete(listener);
  }

  #emit(match: AuthoritativeMatch, change: 'created' | 'label' | 'ended'): void {
    for (const listener of [...this.#changed]) {
      try {
        listener(match, change);
      } catch (err) {
        this.#d.logger.error({ err, matchId: match.id }, 'match change listener failed');
      }
    }
  }

  /** The running match with this uuid. */
  get(uuid: string): AuthoritativeMatch | undefined {
    return this.#matches.get(uuid);
  }

  /** The running match with this id (`"<uuid>.<node>"` of this node). */
  byId(matchId: string): AuthoritativeMatch | undefined {
    const parts = parseMatchId(matchId);
    if (!parts || parts.node !== this.#d.node) return undefined;
    return this.#matches.get(parts.uuid);
  }

  /** Running matches, oldest first. */
  all(): IterableIterator<AuthoritativeMatch> {
    return this.#matches.values();
  }

  get size(): number {
    return this.#matches.size;
  }

  /** Subscribes to match ends; returns the unsubscribe function. */
  onEnded(listener: (match: AuthoritativeMatch, reason: MatchEndReason) => void): () => void {
    this.#ended.add(listener);
    return () => this.#ended.delete(listener);
  }

  /** `nk.matchSignal`: throws NOT_FOUND for an unknown match. */
  signal(matchId: string, data: string): string {
    const match = this.byId(matchId);
    if (!match) throw new DomainError(ErrorKind.NOT_FOUND, `Match '${matchId}' not found`);
    return match.signal(data);
  }

  /**
   * Shutdown: no new matches; every match gets `matchTerminate(graceSeconds)` and may tick on until it
   * ends or the grace period runs out; resolves when all have ended.
   */
  async shutdown(graceSeconds: number): Promise<void> {
    this.#closing = true;
    const matches = [...this.#matches.values()];
    await Promise.all(matches.map((m) => m.terminate(graceSeconds)));
  }
}
