/**
 * Before and after hooks by name: the slot that the socket pipeline (by envelope message name) and
 * the HTTP router (by API name) consult around every call, and that game modules fill through the
 * runtime (`registerRtBefore`, `registerApiAfter`, ...). One hook of each kind per name.
 *
 * A before hook receives the request and returns the request to run (the same object, a changed
 * copy, or a promise of either); returning `null` or `undefined` rejects the call, and so does
 * throwing. An after hook sees the result and the request once the call has succeeded; its failures
 * are logged and change nothing for the caller.
 */

/** A before hook: returns the request to run, or null/undefined to reject it. */
export type BeforeHook<C, T> = (ctx: C, request: T) => T | null | undefined | Promise<T | null | undefined>;
/** An after hook: sees the result (undefined for calls without a reply body) and the request. */
export type AfterHook<C, T, R> = (ctx: C, result: R, request: T) => void | Promise<void>;

/** The hooks registered for one name. */
export interface HookPair<C, T, R> {
  readonly before?: BeforeHook<C, T>;
  readonly after?: AfterHook<C, T, R>;
}

/** Hooks by name. Names are normalised with `normalize` (e.g. `ChannelJoin` → `channel_join`). */
export class Hooks<C, T, R> {
  #byName = new Map<string, { before?: BeforeHook<C, T>; after?: AfterHook<C, T, R> }>();
  readonly #normalize: (name: string) => string;

  constructor(normalize: (name: string) => string = (n) => n) {
    this.#normalize = normalize;
  }

  /** Sets the before hook of `name`; throws when one is already registered. */
  setBefore(name: string, fn: BeforeHook<C, T>): void {
    this.#slot(name, 'before').before = fn;
  }

  /** Sets the after hook of `name`; throws when one is already registered. */
  setAfter(name: string, fn: AfterHook<C, T, R>): void {
    this.#slot(name, 'after').after = fn;
  }

  /** Replaces every hook with those of `next`, at once (a runtime reload). */
  replaceWith(next: Hooks<C, T, R>): void {
    this.#byName = new Map([...next.#byName].map(([name, pair]) => [name, { ...pair }]));
  }

  /** An empty set with the same name rule, to fill and then swap in with {@link replaceWith}. */
  emptyCopy(): Hooks<C, T, R> {
    return new Hooks(this.#normalize);
  }

  /** The hooks of a name (already normalised by the caller's convention), or undefined: the fast path. */
  get(name: string): HookPair<C, T, R> | undefined {
    return this.#byName.get(name);
  }

  /** Every name with a hook, and which kinds it has (the admin console lists them). */
  list(): { name: string; before: boolean; after: boolean }[] {
    return [...this.#byName].map(([name, slot]) => ({ name, before: !!slot.before, after: !!slot.after }));
  }

  /** How many names have hooks. */
  get size(): number {
    return this.#byName.size;
  }

  #slot(name: string, kind: 'before' | 'after') {
    if (typeof name !== 'string' || name.trim() === '') throw new Error('a hook needs a message or API name');
    const key = this.#normalize(name.trim());
    let slot = this.#byName.get(key);
    if (!slot) {
      slot = {};
      this.#byName.set(key, slot);
    }
    if (slot[kind]) throw new Error(`a ${kind} hook for '${name}' is already registered`);
    return slot;
  }
}

/** `ChannelJoin`, `channelJoin` or `channel_join` → `channel_join` (socket message names). */
export function snakeCaseName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/-/g, '_')
    .toLowerCase();
}

/** API names compare case-insensitively (`AuthenticateDevice`, `authenticatedevice`). */
export function lowerCaseName(name: string): string {
  return name.toLowerCase();
}
