/**
 * The group store on the database port, against SQLite and PostgreSQL through the contract harness:
 * groups with names unique regardless of case, the member count's bounds, memberships, the three
 * keyset listings with cursors bound to their filters, the group lock, restarts and transactions.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../../test/store-contract.ts';
import { pick } from '../../../database.ts';
import { InvalidCursorError } from '../../../db/cursor.ts';
import { newUuid, newUuidV7 } from '../../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../../accounts/migrations.ts';
import { accountStores } from '../../accounts/store/dialects.ts';
import { GROUP_MIGRATIONS } from '../migrations.ts';
import { groupStores } from './dialects.ts';
import {
  type GroupFilter,
  GroupNameInUseError,
  type GroupRecord,
  GroupRole,
  type GroupStore,
} from './group-store.ts';
import { foldName } from './pagination.ts';

const T0 = Date.parse('2025-03-01T12:00:00.000Z');

/** Every group a listing returns, page by page. */
async function listAll(s: GroupStore, filter: GroupFilter, limit: number): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await s.listGroups(filter, { limit, cursor });
    names.push(...page.groups.map((g) => g.name));
    cursor = page.cursor ?? undefined;
  } while (cursor);
  return names;
}

describeStoreContract(
  'group store',
  {
    migrations: [ACCOUNT_MIGRATIONS, GROUP_MIGRATIONS],
    setup: (db) => ({ groups: pick(db, groupStores), accounts: pick(db, accountStores) }),
  },
  (stores, backend) => {
    const store = () => stores().groups;
    let n = 0;
    const addUser = async (username = `user${++n}`) =>
      (
        await stores().accounts.createAccount({
          id: newUuid(),
          username,
          identity: { kind: 'device', id: `device-${username}` },
          now: new Date(T0),
        })
      ).id;
    const group = (name: string, extra: Partial<GroupRecord> = {}): GroupRecord => ({
      id: newUuidV7(T0 + ++n),
      creatorId: null,
      name,
      description: null,
      avatarUrl: null,
      langTag: 'en',
      metadata: '{}',
      open: true,
      edgeCount: 1,
      maxCount: 100,
      createTime: new Date(T0),
      updateTime: new Date(T0),
      ...extra,
    });
    const create = async (g: GroupRecord) => {
      await store().createGroup(g, foldName(g.name));
      return g;
    };
    const member = (groupId: string, userId: string, state: GroupRole, ms: number) => ({
      groupId,
      userId,
      state,
      position: T0 + ms,
      updateTime: new Date(T0 + ms),
    });

    it('creates, reads, updates and deletes groups; names are unique regardless of case', async () => {
      const s = store();
      const g = await create(group('Knights', { description: 'swords', open: false, maxCount: 5 }));
      expect(await s.lockGroup(g.id)).toEqual(g);
      expect(await s.getGroups([g.id, newUuid()])).toEqual([g]);
      await expect(s.createGroup(group('kNIGHTS'), foldName('kNIGHTS'))).rejects.toBeInstanceOf(
        GroupNameInUseError,
      );
      const other = await create(group('Squires'));
      await expect(
        s.updateGroup(other.id, { name: 'KNIGHTS' }, 'knights', new Date(T0 + 9)),
      ).rejects.toBeInstanceOf(GroupNameInUseError);
      const at = new Date(T0 + 10);
      const updated = await s.updateGroup(
        g.id,
        { name: 'Paladins', description: null, open: true, metadata: '{"x":1}' },
        'paladins',
        at,
      );
      expect(updated).toEqual({
        ...g,
        name: 'Paladins',
        description: null,
        open: true,
        metadata: '{"x":1}',
        updateTime: at,
      });
      // The old name is free again.
      await create(group('knights'));
      expect(await s.updateGroup(newUuid(), { langTag: 'fr' }, undefined, at)).toBeNull();
      expect(await s.deleteGroup(g.id)).toBe(true);
      expect(await s.deleteGroup(g.id)).toBe(false);
      expect(await s.lockGroup(g.id)).toBeNull();
    });

    it('keeps the member count within 0 and the maximum, and memberships go with their group', async () => {
      const s = store();
      const g = await create(group('Small', { maxCount: 2 }));
      const [a, b] = [await addUser(), await addUser()];
      await s.putMembers([member(g.id, a, GroupRole.SUPERADMIN, 1), member(g.id, b, GroupRole.MEMBER, 2)]);
      await s.addEdgeCount(g.id, 1, new Date(T0));
      expect((await s.lockGroup(g.id))?.edgeCount).toBe(2);
      // The database refuses a count past the maximum; nothing changes.
      await expect(s.addEdgeCount(g.id, 1, new Date(T0))).rejects.toThrow();
      expect((await s.lockGroup(g.id))?.edgeCount).toBe(2);
      expect(await s.memberStates(g.id, [a, b, newUuid()])).toEqual(
        new Map([
          [a, GroupRole.SUPERADMIN],
          [b, GroupRole.MEMBER],
        ]),
      );
      // Promotion keeps the position (join order).
      await s.putMembers([member(g.id, b, GroupRole.ADMIN, 99)]);
      expect((await s.groupsOfUser(b))[0]).toEqual({
        ...member(g.id, b, GroupRole.ADMIN, 99),
        position: T0 + 2,
      });
      expect(await s.usersInStates(g.id, [GroupRole.SUPERADMIN, GroupRole.ADMIN], 10)).toEqual([a, b]);
      await s.deleteMembers(g.id, [b]);
      expect(await s.memberStates(g.id, [b])).toEqual(new Map());
      await s.deleteGroup(g.id);
      expect(await s.groupsOfUser(a)).toEqual([]);
    });

    it('pages members by state, join order and id; bans only when asked; cursors bound to group and filter', async () => {
      const s = store();
      const g = await create(group('Big'));
      const users: string[] = [];
      for (let i = 0; i < 9; i++) users.push(await addUser());
      const states = [2, 0, 3, 2, 4, 1, 2, 2, 3] as const;
      await s.putMembers(users.map((u, i) => member(g.id, u, states[i]!, i === 6 ? 0 : i)));
      const expected = users
        .map((u, i) => ({ u, st: states[i]!, pos: i === 6 ? 0 : i }))
        .filter((x) => x.st <= 3)
        .sort((a, b) => a.st - b.st || a.pos - b.pos || (a.u < b.u ? -1 : 1))
        .map((x) => x.u);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await s.listMembers(g.id, { limit: 2, cursor });
        seen.push(...page.members.map((m) => m.userId));
        cursor = page.cursor ?? undefined;
      } while (cursor);
      expect(seen).toEqual(expected);
      const bans = await s.listMembers(g.id, { limit: 5, state: GroupRole.BANNED });
      expect(bans.members.map((m) => m.userId)).toEqual([users[4]]);
      const members = await s.listMembers(g.id, { limit: 1, state: GroupRole.MEMBER });
      await expect(s.listMembers(g.id, { limit: 1, cursor: members.cursor! })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
      const other = await create(group('Other'));
      await expect(
        s.listMembers(other.id, { limit: 1, state: GroupRole.MEMBER, cursor: members.cursor! }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(s.listMembers(g.id, { limit: 0 })).rejects.toBeInstanceOf(RangeError);
    });

    it("pages a user's groups with the group and the user's state, never their bans", async () => {
      const s = store();
      const u = await addUser();
      const gs = [
        await create(group('g1')),
        await create(group('g2')),
        await create(group('g3')),
        await create(group('g4')),
      ];
      await s.putMembers([
        member(gs[0]!.id, u, GroupRole.MEMBER, 5),
        member(gs[1]!.id, u, GroupRole.SUPERADMIN, 9),
        member(gs[2]!.id, u, GroupRole.BANNED, 1),
        member(gs[3]!.id, u, GroupRole.MEMBER, 2),
      ]);
      const first = await s.listUserGroups(u, { limit: 2 });
      expect(first.groups).toEqual([
        { group: gs[1], state: GroupRole.SUPERADMIN },
        { group: gs[3], state: GroupRole.MEMBER },
      ]);
      const second = await s.listUserGroups(u, { limit: 2, cursor: first.cursor! });
      expect(second).toEqual({ groups: [{ group: gs[0], state: GroupRole.MEMBER }], cursor: null });
      await expect(s.listUserGroups(newUuid(), { limit: 2, cursor: first.cursor! })).rejects.toBeInstanceOf(
        InvalidCursorError,
      );
    });

    it('lists groups by exact name or prefix regardless of case, or by language, openness and size', async () => {
      const s = store();
      for (const [name, extra] of [
        ['Alpha', { langTag: 'fr', open: false }],
        ['alphabet', { edgeCount: 5 }],
        ['ALPS', { langTag: 'fr' }],
        ['Beta', { langTag: 'fr', edgeCount: 3 }],
        ['Älpler', {}],
        ['alp%lit', {}],
      ] as const) {
        await create(group(name, extra));
      }
      expect(await listAll(s, { nameKey: 'alp', prefix: true }, 2)).toEqual(
        ['Alpha', 'alphabet', 'alp%lit', 'ALPS'].sort((a, b) => (foldName(a) < foldName(b) ? -1 : 1)),
      );
      expect(await listAll(s, { nameKey: 'alpha', prefix: false }, 2)).toEqual(['Alpha']);
      expect(await listAll(s, { nameKey: 'älp', prefix: true }, 2)).toEqual(['Älpler']);
      // Creation order without a name.
      expect(await listAll(s, {}, 4)).toEqual(['Alpha', 'alphabet', 'ALPS', 'Beta', 'Älpler', 'alp%lit']);
      expect(await listAll(s, { langTag: 'fr' }, 1)).toEqual(['Alpha', 'ALPS', 'Beta']);
      expect(await listAll(s, { langTag: 'fr', open: true }, 1)).toEqual(['ALPS', 'Beta']);
      expect(await listAll(s, { maxEdgeCount: 3 }, 10)).toEqual([
        'Alpha',
        'ALPS',
        'Beta',
        'Älpler',
        'alp%lit',
      ]);
      const page = await s.listGroups({ langTag: 'fr' }, { limit: 1 });
      await expect(
        s.listGroups({ langTag: 'en' }, { limit: 1, cursor: page.cursor! }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
      await expect(
        s.listGroups({ nameKey: 'a', prefix: true }, { limit: 1, cursor: page.cursor! }),
      ).rejects.toBeInstanceOf(InvalidCursorError);
    });

    it('makes a second transaction that locks the group wait for the first and see its change', async () => {
      const g = await create(group('Locked', { maxCount: 3 }));
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
        await store().lockGroup(g.id);
        locked();
        await held;
        await store().addEdgeCount(g.id, 1, new Date(T0));
        order.push('first committed');
      });
      await isLocked;
      const second = db.tx(async () => {
        const seen = await store().lockGroup(g.id);
        order.push(`second saw ${seen?.edgeCount}`);
      });
      // Give the second transaction every chance to run ahead; it must not.
      await new Promise((r) => setTimeout(r, 50));
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first committed', 'second saw 2']);
    });

    it('keeps groups across a restart; cursors handed out before it still work; writes join a caller transaction', async () => {
      const a = await create(group('a1'));
      await create(group('a2'));
      const page = await store().listGroups({ nameKey: 'a', prefix: true }, { limit: 1 });
      await backend.reopen();
      expect(
        (
          await store().listGroups({ nameKey: 'a', prefix: true }, { limit: 1, cursor: page.cursor! })
        ).groups.map((g) => g.name),
      ).toEqual(['a2']);
      const u = await addUser();
      await expect(
        backend.db().tx(async () => {
          await store().putMembers([member(a.id, u, GroupRole.MEMBER, 1)]);
          await store().addEdgeCount(a.id, 1, new Date(T0));
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await store().memberStates(a.id, [u])).toEqual(new Map());
      expect((await store().lockGroup(a.id))?.edgeCount).toBe(1);
    });
  },
);
