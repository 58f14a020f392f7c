import { describe, expect, it } from 'vitest';
import { timed } from './timed.ts';

class Store {
  readonly name = 'accounts';
  #rows = new Map<string, string>([['a', 'Ann']]);
  async get(id: string): Promise<string | null> {
    return this.#rows.get(id) ?? null;
  }
  async fail(): Promise<never> {
    throw new Error('db down');
  }
  count(): number {
    return this.#rows.size;
  }
}

class Derived extends Store {
  async touch(id: string): Promise<void> {
    await this.get(id);
  }
}

describe('timed', () => {
  it('times each method under <name>.<method>, failures included, keeping results and this', async () => {
    const seen: [string, number][] = [];
    const store = timed(new Derived(), 'accounts', { observe: (op, s) => seen.push([op, s]) });
    expect(await store.get('a')).toBe('Ann');
    await expect(store.fail()).rejects.toThrow('db down');
    expect(store.count()).toBe(1);
    await store.touch('b');
    expect(store.name).toBe('accounts');
    expect(seen.map(([op]) => op)).toEqual([
      'accounts.get',
      'accounts.fail',
      'accounts.count',
      'accounts.touch',
    ]);
    expect(seen.every(([, s]) => s >= 0 && s < 1)).toBe(true);
  });
});
