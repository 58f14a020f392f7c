/**
 * The friend store on the database port, against SQLite and PostgreSQL through the contract harness:
 * edges, keyset pages with cursors bound to their filter, restarts, cascades from deleted accounts
 * and joining a caller's transaction.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { InvalidCursorError } from '../../../db/cursor.ts';
import { newUuid } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../../accounts/migrations.ts';
import { accountStores } from '../../accounts/store/dialects.ts';
import { FRIEND_MIGRATIONS } from '../migrations.ts';
import { friendStores } from './dialects.ts';
import { type FriendEdge, FriendState } from './friend-store.ts';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

describeStoreContract(
  'friend store',
  {
    migrations: [ACCOUNT_MIGRATIONS, FRIEND_MIGRATIONS],
    setup: (db) => ({ friends: pick(db, friendStores), accounts: pick(db, accountStores) }),
  },
  (stores, backend) => {
    const store = () => stores().friends;
    const addUser = async (username: string) =>
      (
        await stores().accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: `device-${username}` },
          now: new Date(T0),
        })
      ).id;
    const edge = (
      userId: string,
      otherId: string,
      state: FriendState,
      ms: number,
      metadata = '{}',
    ): FriendEdge => ({
      userId,
      otherId,
      state,
      position: T0 + ms,
      updateTime: new Date(T0 + ms),
      metadata,
    });

    it('puts, reads between two users in both directions, updates in place and deletes edges', async () => {
      const s = store();
      const [ann, ben, cat] = [await addUser('ann'), await addUser('ben'), await addUser('cat')];
      const invite = [
        edge(ann, ben, FriendState.INVITE_SENT, 1, '{"a":1}'),
        edge(ben, ann, FriendState.INVITE_RECEIVED, 1),
      ];
      await s.putEdges([...invite, edge(cat, ann, FriendState.BLOCKED, 2)]);
      const between = await s.edgesBetween(ann, [ben, cat]);
      expect(between.sort((x, y) => (x.userId + x.otherId < y.userId + y.otherId ? -1 : 1))).toEqual(
        [...invite, edge(cat, ann, FriendState.BLOCKED, 2)].sort((x, y) =>
          x.userId + x.otherId < y.userId + y.otherId ? -1 : 1,
        ),
      );
      // Accepting: state, time and metadata change; the position (list order) stays.
      await s.putEdges([{ ...edge(ann, ben, FriendState.FRIEND, 50), metadata: '{"b":2}' }]);
      const [updated] = (await s.edgesBetween(ben, [ann])).filter((e) => e.userId === ann);
      expect(updated).toEqual({ ...edge(ann, ben, FriendState.FRIEND, 50, '{"b":2}'), position: T0 + 1 });
      expect(await s.countEdges(ann, [FriendState.FRIEND, FriendState.INVITE_SENT])).toBe(1);
      expect(await s.countEdges(cat, [FriendState.BLOCKED])).toBe(1);
      await s.deleteEdges([
        { userId: ann, otherId: ben },
        { userId: ann, otherId: cat },
      ]);
      expect((await s.edgesBetween(ann, [ben, cat])).map((e) => e.userId).sort()).toEqual([ben, cat].sort());
      expect(await s.edgesBetween(ann, [])).toEqual([]);
    });

    it('pages a list by state, position and user id; cursors are bound to the user and the state filter', async () => {
      const s = store();
      const owner = await addUser('owner');
      const others: string[] = [];
      for (let i = 0; i < 7; i++) others.push(await addUser(`u${i}`));
      // States interleaved; two edges share a position (the other user's id breaks the tie).
      const states = [3, 0, 2, 0, 1, 0, 2] as const;
      await s.putEdges(others.map((o, i) => edge(owner, o, states[i]!, i === 5 ? 3 : i)));
      const expected = others
        .map((o, i) => ({ o, state: states[i]!, pos: i === 5 ? 3 : i }))
        .sort((a, b) => a.state - b.state || a.pos - b.pos || (a.o < b.o ? -1 : 1))
        .map((x) => x.o);
      const all: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await s.listEdges(owner, { limit: 3, cursor });
        all.push(...page.edges.map((e) => e.otherId));
        cursor = page.cursor ?? undefined;
      } while (cursor);
      expect(all).toEqual(expected);
      const friends = await s.listEdges(owner, { limit: 2, state: FriendState.FRIEND });
      expect(friends.edges.map((e) => e.state)).toEqual([0, 0]);
      const rest = await s.listEdges(owner, { limit: 2, state: FriendState.FRIEND, cursor: friends.cursor! });
      expect(rest.edges).toHaveLength(1);
      expect(rest.cursor).toBeNull();
      // A cursor of the friends-only list is refused for the full list, for another user, and garbage too.
      await expect(s.listEdges(owner, { limit: 2, cursor: friends.cursor! })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(
        s.listEdges(others[0]!, { limit: 2, state: FriendState.FRIEND, cursor: friends.cursor! }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(s.listEdges(owner, { limit: 2, cursor: 'garbage' })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      await expect(s.listEdges(owner, { limit: 1001 })).rejects.toBeInstanceOf(RangeError);
      expect((await s.listEdges(newUuid(), { limit: 5 })).edges).toEqual([]);
    });

    it('keeps edges across a restart, and cursors handed out before it still work', async () => {
      const [a, b, c] = [await addUser('a'), await addUser('b'), await addUser('c')];
      await store().putEdges([edge(a, b, FriendState.FRIEND, 1), edge(a, c, FriendState.FRIEND, 2)]);
      const first = await store().listEdges(a, { limit: 1 });
      await backend.reopen();
      const second = await store().listEdges(a, { limit: 1, cursor: first.cursor! });
      expect(second.edges).toEqual([edge(a, c, FriendState.FRIEND, 2)]);
    });

    it('loses the edges of a deleted account, in both directions', async () => {
      const [a, b] = [await addUser('a'), await addUser('b')];
      await store().putEdges([edge(a, b, FriendState.FRIEND, 1), edge(b, a, FriendState.FRIEND, 1)]);
      const db = backend.db();
      if (db.dialect === 'sqlite') await db.run((c) => c.prepare('DELETE FROM users WHERE id = ?').run(b));
      else await db.query('DELETE FROM users WHERE id = $1', [b]);
      expect(await store().edgesBetween(a, [b])).toEqual([]);
    });

    it('makes a transaction that locks an overlapping user wait for the first and see its edges', async () => {
      const [a, b, c] = [await addUser('a'), await addUser('b'), await addUser('c')];
      const db = backend.db();
      const order: string[] = [];
      let release!: () => void;
      const held = new Promise<void>((r) => {
        release = r;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const first = db.tx(async () => {
        await store().lockUsers([b, a]);
        locked();
        await held;
        await store().putEdges([
          edge(a, b, FriendState.INVITE_SENT, 1),
          edge(b, a, FriendState.INVITE_RECEIVED, 1),
        ]);
        order.push('first committed');
      });
      await isLocked;
      const second = db.tx(async () => {
        // Overlaps on b only, in the other order of arguments.
        await store().lockUsers([c, b]);
        order.push(`second saw ${(await store().edgesBetween(b, [a])).length} edges`);
      });
      await new Promise((r) => setTimeout(r, 50));
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first committed', 'second saw 2 edges']);
    });

    it('joins a caller transaction: rolled back with it, committed with it', async () => {
      const [a, b] = [await addUser('a'), await addUser('b')];
      const db = backend.db();
      await expect(
        db.tx(async () => {
          await store().putEdges([
            edge(a, b, FriendState.INVITE_SENT, 1),
            edge(b, a, FriendState.INVITE_RECEIVED, 1),
          ]);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await store().edgesBetween(a, [b])).toEqual([]);
      await db.tx(async () => {
        await store().putEdges([edge(a, b, FriendState.BLOCKED, 1)]);
        await store().deleteEdges([{ userId: b, otherId: a }]);
      });
      expect(await store().edgesBetween(a, [b])).toEqual([edge(a, b, FriendState.BLOCKED, 1)]);
    });
  },
);
