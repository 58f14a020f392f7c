/**
 * Multimaps where most keys hold a single value (a user's one session, a session following only its
 * own user): the value is stored as it is, and becomes a `Set` only once the key has two. Saves a
 * `Set` (with its hash table, a few hundred bytes) per key in the common case.
 *
 * @packageDocumentation
 */

/** One value, or a `Set` of two or more (or of any number, once it has been a set). Values must not be `Set`s. */
export type OneOrSet<T> = T | Set<T>;

/** Adds `value` under `key` (no-op if it is there). */
export function addTo<K, T>(map: Map<K, OneOrSet<T>>, key: K, value: T): void {
  const held = map.get(key);
  if (held === undefined) map.set(key, value);
  else if (held instanceof Set) held.add(value);
  else if (held !== value) map.set(key, new Set([held, value]));
}

/** Removes `value` from under `key`, and the key once it holds nothing; returns whether it was there. */
export function removeFrom<K, T>(map: Map<K, OneOrSet<T>>, key: K, value: T): boolean {
  const held = map.get(key);
  if (held === undefined) return false;
  if (held instanceof Set) {
    const removed = held.delete(value);
    if (held.size === 0) map.delete(key);
    return removed;
  }
  if (held !== value) return false;
  map.delete(key);
  return true;
}

/** How many values an entry holds (0 for none). */
export function sizeOf<T>(held: OneOrSet<T> | undefined): number {
  if (held === undefined) return 0;
  return held instanceof Set ? held.size : 1;
}

/** Whether an entry holds `value`. */
export function holds<T>(held: OneOrSet<T> | undefined, value: T): boolean {
  if (held === undefined) return false;
  return held instanceof Set ? held.has(value) : held === value;
}

/** The values of an entry, in the order they were added (a snapshot: safe to change the map meanwhile). */
export function valuesOf<T>(held: OneOrSet<T> | undefined): T[] {
  if (held === undefined) return [];
  return held instanceof Set ? [...held] : [held];
}
