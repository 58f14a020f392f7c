/**
 * The group service over real stores on both backends: removing a deleted account from its groups
 * (counts, departures announced, groups it leads alone deleted), and a listener that throws rolling
 * the whole change back, notifications included.
 */
import { expect, it } from 'vitest';
import { describeStoreContract } from '../../../test/store-contract.ts';
import { pick } from '../../database.ts';
import { createLogger } from '../../observability/logger.ts';
import { LocalMessageRouter } from '../../presence/message-router.ts';
import { LocalTracker } from '../../presence/tracker.ts';
import { systemClock } from '../../shared/clock.ts';
import { newUuid } from '../../shared/ids.ts';
import { ACCOUNT_MIGRATIONS } from '../accounts/migrations.ts';
import { accountStores } from '../accounts/store/dialects.ts';
import { NOTIFICATION_MIGRATIONS } from '../notifications/migrations.ts';
import { NotificationService } from '../notifications/notification-service.ts';
import { notificationStores } from '../notifications/store/dialects.ts';
import type { MembershipChange } from './group-events.ts';
import { GroupService } from './group-service.ts';
import { GROUP_MIGRATIONS } from './migrations.ts';
import { groupStores } from './store/dialects.ts';

describeStoreContract(
  'group service',
  {
    migrations: [ACCOUNT_MIGRATIONS, NOTIFICATION_MIGRATIONS, GROUP_MIGRATIONS],
    setup: (db) => {
      const accounts = pick(db, accountStores);
      const notificationStore = pick(db, notificationStores);
      const tracker = new LocalTracker({ node: 'test' });
      const notifications = new NotificationService({
        store: notificationStore,
        db,
        users: accounts,
        router: new LocalMessageRouter({ node: 'test', tracker, sessions: new Map() }),
        clock: systemClock,
        logger: createLogger('silent'),
      });
      const groups = new GroupService({
        store: pick(db, groupStores),
        db,
        users: accounts,
        notifications,
        isOnline: () => false,
        clock: systemClock,
      });
      return { accounts, groups, notificationStore };
    },
  },
  (get, backend) => {
    let n = 0;
    const user = async () => {
      const username = `u${++n}`;
      const u = await get().accounts.createAccount({
        id: newUuid(),
        username,
        identity: { kind: 'device', id: `device-${username}` },
        now: new Date(),
      });
      return { userId: u.id, username };
    };
    const members = async (groupId: string) =>
      (await get().groups.listMembers(groupId, { limit: 100 })).members.map((m) => [
        m.user.username,
        m.state,
      ]);
    const count = async (groupId: string) => (await get().groups.getGroups([groupId]))[0]?.edgeCount;

    it('removes a deleted account from its groups and deletes the groups it leads alone', async () => {
      const { groups } = get();
      const [gone, other, third] = [await user(), await user(), await user()];
      const heard: MembershipChange[] = [];
      const deleted: string[] = [];
      groups.subscribe({
        membershipChanged: (changes) => void heard.push(...changes),
        groupDeleted: (id) => void deleted.push(id),
      });
      const alone = await groups.create(gone, { name: 'alone', open: true });
      const shared = await groups.create(gone, { name: 'shared', open: true });
      await groups.add(gone, shared.id, [other.userId]);
      await groups.promote(gone, shared.id, [other.userId]);
      await groups.promote(gone, shared.id, [other.userId]);
      const led = await groups.create(gone, { name: 'led', open: true });
      await groups.join(other, led.id);
      const joined = await groups.create(third, { name: 'joined', open: false });
      await groups.join(gone, joined.id); // a join request
      const member = await groups.create(third, { name: 'member', open: true });
      await groups.join(gone, member.id);
      heard.length = 0;

      const db = backend.db();
      await db.tx(async () => {
        await groups.removeUser(gone.userId);
        if (db.dialect === 'sqlite')
          await db.run((c) => c.prepare('DELETE FROM users WHERE id = ?').run(gone.userId));
        else await db.query('DELETE FROM users WHERE id = $1', [gone.userId]);
      });
      // Alone, or the only superadmin with others in it: the group goes (as in Nakama).
      expect((await groups.getGroups([alone.id, led.id])).map((g) => g.name)).toEqual([]);
      expect(deleted.sort()).toEqual([alone.id, led.id].sort());
      // Another superadmin remains: the user leaves, announced, and counts follow.
      expect(await members(shared.id)).toEqual([[other.username, 0]]);
      expect(await count(shared.id)).toBe(1);
      expect(await members(member.id)).toEqual([[third.username, 0]]);
      expect(await count(member.id)).toBe(1);
      expect(await members(joined.id)).toEqual([[third.username, 0]]);
      expect(heard.map((c) => [c.groupId, c.kind, c.username])).toEqual(
        [
          [shared.id, 'left', gone.username],
          [member.id, 'left', gone.username],
        ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
      );
    });

    it('rolls a change back, its notifications too, when a listener throws', async () => {
      const { groups, notificationStore } = get();
      const [owner, joiner, added] = [await user(), await user(), await user()];
      const open = await groups.create(owner, { name: 'open', open: true });
      groups.subscribe({
        membershipChanged: () => {
          throw new Error('the channel could not be written');
        },
        groupDeleted: () => {},
      });
      await expect(groups.join(joiner, open.id)).rejects.toThrow('the channel could not be written');
      await expect(groups.add(owner, open.id, [added.userId])).rejects.toThrow(
        'the channel could not be written',
      );
      expect(await members(open.id)).toEqual([[owner.username, 0]]);
      expect(await count(open.id)).toBe(1);
      expect((await notificationStore.listNotifications(added.userId, { limit: 10 })).notifications).toEqual(
        [],
      );
    });
  },
);
