import { NotificationCode } from '@tether/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTurn, type RecordingSession, realtimeTestbed } from '../../../test/realtime-testbed.ts';
import { StreamMode, stream } from '../../presence/stream.ts';
import { DomainError } from '../../shared/domain-error.ts';
import { newUuid } from '../../shared/ids.ts';
import { NotificationService } from './notification-service.ts';

describe('NotificationService', () => {
  let bed: Awaited<ReturnType<typeof realtimeTestbed>>;
  let service: NotificationService;
  let now = Date.UTC(2025, 2, 1, 12);
  beforeEach(async () => {
    bed = await realtimeTestbed();
    service = new NotificationService({
      store: bed.stores.notifications,
      db: bed.db,
      users: bed.stores.accounts,
      router: bed.router,
      clock: { now: () => now },
      logger: bed.logger,
    });
  });
  afterEach(async () => {
    await bed.close();
  });

  /** Tracks a session on its user's notification stream, as the socket layer does on connect. */
  const online = (s: RecordingSession) =>
    bed.tracker.track(s, stream(StreamMode.NOTIFICATIONS, s.userId), { username: s.username, hidden: true });

  it('delivers to every socket of each recipient and stores persistent ones first', async () => {
    const a = await bed.user('ann');
    const a2 = bed.connect(a.userId, 'ann');
    const b = await bed.user('ben');
    for (const s of [a, a2, b]) online(s);
    const sent = await service.send([a.userId, b.userId], {
      subject: 'reward',
      content: { coins: 10 },
      code: 101,
      senderId: b.userId,
      persistent: true,
    });
    expect(sent).toHaveLength(2);
    expect(sent[0]).toEqual({
      id: expect.any(String),
      subject: 'reward',
      content: '{"coins":10}',
      code: 101,
      sender_id: b.userId,
      create_time: '2025-03-01T12:00:00Z',
      persistent: true,
    });
    for (const s of [a, a2]) expect(await s.next('notifications', 0)).toEqual({ notifications: [sent[0]] });
    expect(await b.next('notifications', 0)).toEqual({ notifications: [sent[1]] });
    const listed = await service.list(a.userId, { limit: 10 });
    expect(listed.notifications).toEqual([sent[0]]);
    expect(listed.cacheable_cursor).toEqual(expect.any(String));
  });

  it('sends live-only notifications without storing them; system ones have no sender', async () => {
    const a = await bed.user('ann');
    online(a);
    const [n] = await service.sendEach([
      { userId: a.userId, subject: 'ping', content: {}, code: 0, persistent: false },
    ]);
    expect(n).toEqual({
      id: expect.any(String),
      subject: 'ping',
      content: '{}',
      code: 0,
      create_time: expect.any(String),
    });
    expect(await a.next('notifications', 0)).toEqual({ notifications: [n] });
    expect(await service.list(a.userId, { limit: 1 })).not.toHaveProperty('notifications');
    // Live-only to a user who does not exist: nobody to deliver to, nothing to fail.
    await service.send(newUuid(), { subject: 'x', content: {}, code: 1, persistent: false });
  });

  it("stores and pushes inside a caller's transaction only when it commits", async () => {
    const a = await bed.user('ann');
    online(a);
    const base = { content: {}, code: 7, persistent: true };
    await expect(
      bed.db.tx(async () => {
        await service.send(a.userId, { ...base, subject: 'lost' });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await nextTurn();
    expect(a.pushes('notifications')).toEqual([]);
    expect(await service.list(a.userId, { limit: 10 })).not.toHaveProperty('notifications');

    const pushedBeforeCommit = await bed.db.tx(async () => {
      const [sent] = await service.send(a.userId, { ...base, subject: 'kept' });
      await nextTurn();
      return { sent, pushed: a.pushes('notifications').length };
    });
    expect(pushedBeforeCommit.pushed).toBe(0);
    expect(await a.next('notifications', 0)).toEqual({ notifications: [pushedBeforeCommit.sent] });
    expect((await service.list(a.userId, { limit: 10 })).notifications).toEqual([pushedBeforeCommit.sent]);
  });

  it('pushes single_socket (-7) to chosen sessions only', async () => {
    const a = await bed.user('ann');
    const a2 = bed.connect(a.userId, 'ann');
    service.sendToSessions([a.id], {
      subject: 'single_socket',
      content: {},
      code: NotificationCode.SINGLE_SOCKET,
    });
    expect(await a.next('notifications', 0)).toMatchObject({
      notifications: [{ code: -7, subject: 'single_socket' }],
    });
    expect(a2.received).toEqual([]);
  });

  it('refuses bad input and unknown recipients, and then stores nothing', async () => {
    const a = await bed.user('ann');
    const base = { subject: 's', content: {}, code: 1, persistent: true };
    const failures = [
      service.send(a.userId, { ...base, subject: '' }),
      service.send(a.userId, { ...base, subject: 'x'.repeat(256) }),
      service.send(a.userId, { ...base, code: 1.5 }),
      service.send(a.userId, { ...base, content: [] as never }),
      service.send(a.userId, { ...base, content: { big: 'x'.repeat(17_000) } }),
      service.send(a.userId, { ...base, senderId: 'nobody' }),
      service.send('not-a-uuid', base),
      service.send([a.userId, newUuid()], base),
      service.send(
        Array.from({ length: 1001 }, () => a.userId),
        base,
      ),
    ];
    const kinds = [];
    for (const p of failures) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      kinds.push((err as DomainError).kind);
    }
    expect(kinds.at(-2)).toBe('NOT_FOUND');
    expect(await service.list(a.userId, { limit: 100 })).not.toHaveProperty('notifications');
  });

  it('pages with a cacheable cursor and deletes only the caller’s notifications', async () => {
    const [a, b] = [await bed.user('ann'), await bed.user('ben')];
    const base = { content: {}, code: 5, persistent: true };
    const mine = await service.sendEach([
      { ...base, userId: a.userId, subject: 'one' },
      { ...base, userId: a.userId, subject: 'two' },
      { ...base, userId: b.userId, subject: 'theirs' },
    ]);
    const p1 = await service.list(a.userId, { limit: 1 });
    expect(p1.notifications?.map((n) => n.subject)).toEqual(['one']);
    const p2 = await service.list(a.userId, { limit: 1, cursor: p1.cacheable_cursor });
    expect(p2.notifications?.map((n) => n.subject)).toEqual(['two']);
    now += 1000;
    await service.send(a.userId, { ...base, subject: 'three' });
    const p3 = await service.list(a.userId, { limit: 1, cursor: p2.cacheable_cursor });
    expect(p3.notifications?.map((n) => n.subject)).toEqual(['three']);

    expect(await service.delete(a.userId, [mine[0]!.id.toUpperCase(), mine[2]!.id])).toBe(1);
    expect((await service.list(b.userId, { limit: 5 })).notifications).toHaveLength(1);
    for (const bad of [
      service.delete(a.userId, ['junk']),
      service.delete(a.userId, Array.from({ length: 101 }, newUuid)),
      service.list(a.userId, { limit: 0 }),
      service.list(a.userId, { limit: 1, cursor: 'junk' }),
    ]) {
      expect(await bad.catch((e: DomainError) => e.kind)).toBe('INVALID_ARGUMENT');
    }
  });
});
