import { RealtimeError, RealtimeErrorCode } from '@tether/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTurn, type RecordingSession, realtimeTestbed } from '../../../test/realtime-testbed.ts';
import { toRealtimeError } from '../../pipeline/pipeline.ts';
import { StreamMode, stream } from '../../presence/stream.ts';
import { DomainError } from '../../shared/domain-error.ts';
import { newUuid } from '../../shared/ids.ts';
import { FriendService } from '../friends/friend-service.ts';
import { GroupService } from '../groups/group-service.ts';
import { NotificationService } from '../notifications/notification-service.ts';
import { directChannel } from './channel-id.ts';
import { ChatService, type JoinRequest } from './chat-service.ts';

const room = (target: string, extra: Partial<JoinRequest> = {}): JoinRequest => ({
  target,
  type: 1,
  persistence: true,
  hidden: false,
  ...extra,
});

/** The BAD_INPUT message a promise (or call) fails with. */
async function badInput(p: Promise<unknown> | (() => unknown)): Promise<string> {
  const err = await (typeof p === 'function' ? Promise.resolve().then(p) : p).then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  // As the socket pipeline sends it.
  const sent = toRealtimeError(err);
  expect(sent).toBeInstanceOf(RealtimeError);
  expect(sent?.code).toBe(RealtimeErrorCode.BAD_INPUT);
  return sent!.message;
}

describe('ChatService', () => {
  let bed: Awaited<ReturnType<typeof realtimeTestbed>>;
  let chat: ChatService;
  let friends: FriendService;
  let groups: GroupService;
  beforeEach(async () => {
    bed = await realtimeTestbed();
    const notifications = new NotificationService({
      store: bed.stores.notifications,
      db: bed.db,
      users: bed.stores.accounts,
      router: bed.router,
      clock: { now: () => Date.now() },
      logger: bed.logger,
    });
    const social = {
      db: bed.db,
      users: bed.stores.accounts,
      notifications,
      isOnline: () => false,
      clock: { now: () => Date.now() },
    };
    friends = new FriendService({ ...social, store: bed.stores.friends, maxFriends: 100 });
    groups = new GroupService({ ...social, store: bed.stores.groups });
    const service = new ChatService({
      store: bed.stores.chat,
      users: bed.stores.accounts,
      friends,
      groups,
      tracker: bed.tracker,
      router: bed.router,
      notifications,
      clock: { now: () => Date.now() },
      logger: bed.logger,
    });
    // Bound to this test's service: a late flush of an earlier test's tracker must not reach it.
    for (const mode of [StreamMode.CHANNEL, StreamMode.DM]) {
      bed.tracker.onEvents(mode, (events) => service.publishPresenceEvents(events));
    }
    chat = service;
  });
  afterEach(async () => {
    await bed.close();
  });

  const join = async (s: RecordingSession, req: JoinRequest) => chat.join(await chat.prepareJoin(s, req));

  it('joins a room: members without self, then presence events to everyone on it', async () => {
    const [a, b] = [await bed.user('ann'), await bed.user('ben')];
    const ca = await join(a, room('lobby'));
    expect(ca).toEqual({
      id: '2...lobby',
      self: { user_id: a.userId, session_id: a.id, username: 'ann', persistence: true },
      room_name: 'lobby',
    });
    const cb = await join(b, room('lobby', { persistence: false }));
    expect(cb.presences).toEqual([
      { user_id: a.userId, session_id: a.id, username: 'ann', persistence: true },
    ]);
    expect(cb.self).toEqual({ user_id: b.userId, session_id: b.id, username: 'ben' });
    await nextTurn();
    // Both joins happened in one turn here, so they come in one event; a sees both, b sees both.
    const event = {
      channel_id: '2...lobby',
      joins: [
        { user_id: a.userId, session_id: a.id, username: 'ann', persistence: true },
        { user_id: b.userId, session_id: b.id, username: 'ben' },
      ],
      room_name: 'lobby',
    };
    expect(a.pushes('channel_presence_event')).toEqual([event]);
    expect(b.pushes('channel_presence_event')).toEqual([event]);
    // Joining again is not new: self is listed, the first join's flags stay, nobody is told twice.
    const again = await join(a, room('lobby', { persistence: false }));
    expect(again.presences).toHaveLength(2);
    expect(again.self.persistence).toBe(true);
    expect(await badInput(chat.prepareJoin(a, room('')))).toBe('Invalid channel target');
    chat.leave(b, '2...lobby');
    await nextTurn();
    expect(a.pushes('channel_presence_event')[1]).toEqual({
      channel_id: '2...lobby',
      leaves: [{ user_id: b.userId, session_id: b.id, username: 'ben' }],
      room_name: 'lobby',
    });
    expect(b.pushes('channel_presence_event')).toHaveLength(1);
  });

  it('sends, updates and removes messages: acks, pushes to all members, history', async () => {
    const [a, b] = [await bed.user('ann'), await bed.user('ben')];
    await join(a, room('lobby'));
    await join(b, room('lobby'));
    const sent = await chat.sendMessage(a, '2...lobby', '{"text":"hi"}');
    sent.broadcast();
    expect(sent.ack).toMatchObject({ channel_id: '2...lobby', code: 0, username: 'ann', persistent: true });
    expect(sent.ack.room_name).toBe('lobby');
    const push = { channel_id: '2...lobby', message_id: sent.ack.message_id, code: 0, sender_id: a.userId };
    expect(await a.next('channel_message', 0)).toMatchObject({ ...push, content: '{"text":"hi"}' });
    expect(await b.next('channel_message', 0)).toMatchObject({
      ...push,
      persistent: true,
      room_name: 'lobby',
    });

    const id = sent.ack.message_id;
    expect(await badInput(chat.updateMessage(b, '2...lobby', id, '{}'))).toBe(
      'Could not find message to update in channel history',
    );
    const updated = await chat.updateMessage(a, '2...lobby', id.toUpperCase(), '{"text":"hello"}');
    updated.broadcast();
    expect(updated.ack).toMatchObject({ message_id: id, code: 1, create_time: sent.ack.create_time });
    expect(await b.next('channel_message', 1)).toMatchObject({ code: 1, content: '{"text":"hello"}' });
    const page = await chat.history(b.userId, '2...lobby', { limit: 10, forward: true });
    // The stored row keeps code 0 (as Nakama does); only its content changes.
    expect(page.messages).toEqual([
      expect.objectContaining({ message_id: id, code: 0, content: '{"text":"hello"}', persistent: true }),
    ]);

    const removed = await chat.removeMessage(a, '2...lobby', id);
    removed.broadcast();
    expect(removed.ack).toMatchObject({ code: 2 });
    expect(await b.next('channel_message', 2)).toMatchObject({ code: 2, content: '{}' });
    expect(await chat.history(a.userId, '2...lobby', { limit: 10, forward: true })).toEqual({});
    expect(await badInput(chat.removeMessage(a, '2...lobby', id))).toBe(
      'Could not find message to remove in channel history',
    );
  });

  it('does not store messages of a member who joined with persistence=false', async () => {
    const a = await bed.user('ann');
    await join(a, room('ephemeral', { persistence: false }));
    const sent = await chat.sendMessage(a, '2...ephemeral', '{"n":1}');
    expect(sent.ack.persistent).toBe(false);
    expect(await bed.stores.chat.getMessage(sent.ack.message_id)).toBeNull();
  });

  it('keeps hidden members out of lists and events, but delivers messages to them', async () => {
    const [a, h] = [await bed.user('ann'), await bed.user('hid')];
    await join(a, room('lobby'));
    const ch = await join(h, room('lobby', { hidden: true }));
    expect(ch.presences).toEqual([
      { user_id: a.userId, session_id: a.id, username: 'ann', persistence: true },
    ]);
    await nextTurn();
    expect(a.pushes('channel_presence_event')).toHaveLength(1); // only a's own join
    expect((await join(a, room('lobby'))).presences).toHaveLength(1);
    (await chat.sendMessage(a, '2...lobby', '{}')).broadcast();
    expect(await h.next('channel_message', 0)).toMatchObject({ sender_id: a.userId });
  });

  it('refuses bad joins and messages with Nakama messages', async () => {
    const a = await bed.user('ann');
    expect(await badInput(chat.sendMessage(a, '2...lobby', '{}'))).toBe(
      'Must join channel before sending messages',
    );
    expect(await badInput(chat.updateMessage(a, '2...lobby', newUuid(), '{}'))).toBe(
      'Must join channel before updating messages',
    );
    expect(await badInput(chat.removeMessage(a, '2...lobby', 'nope'))).toBe('Invalid message identifier');
    expect(await badInput(chat.sendMessage(a, '9...lobby', '{}'))).toBe('Invalid channel identifier');
    expect(await badInput(() => chat.leave(a, 'lobby'))).toBe('Invalid channel identifier');
    expect(await badInput(chat.prepareJoin(a, { ...room(newUuid()), type: 3 }))).toBe(
      'Group not found: Invalid channel target',
    );
    expect(await badInput(chat.prepareJoin(a, { ...room('not-a-group'), type: 3 }))).toBe(
      'Group not found: Invalid channel target',
    );
    expect(await badInput(chat.prepareJoin(a, { ...room('x'), type: 2 }))).toBe(
      'Invalid user ID in direct message join',
    );
    expect(await badInput(chat.prepareJoin(a, { ...room(a.userId), type: 2 }))).toBe(
      'Cannot open direct message channel with self',
    );
    expect(await badInput(chat.prepareJoin(a, { ...room(newUuid()), type: 2 }))).toBe('User ID not found');
  });

  it('opens direct messages: canonical id, and a DM request (-1) only when the other user is away', async () => {
    const [a, b] = [await bed.user('ann'), await bed.user('ben')];
    // b is online but not in the channel: the invitation is pushed live on b's notification stream.
    bed.tracker.track(b, stream(StreamMode.NOTIFICATIONS, b.userId), { username: 'ben', hidden: true });
    const dm = directChannel(a.userId, b.userId);
    const ca = await join(a, { ...room(b.userId.toUpperCase()), type: 2 });
    expect(ca.id).toBe(dm.id);
    expect(ca).toMatchObject({ user_id_one: dm.kind === 'direct' && dm.userIdOne });
    const pushed = (await b.next('notifications', 0)) as { notifications: Record<string, unknown>[] };
    expect(pushed.notifications).toEqual([
      expect.objectContaining({
        subject: 'ann wants to chat',
        content: '{"username":"ann"}',
        code: -1,
        sender_id: a.userId,
        persistent: true,
      }),
    ]);
    const stored = await bed.stores.notifications.listNotifications(b.userId, { limit: 10 });
    expect(stored.notifications).toHaveLength(1);
    // b joins while a is there: no invitation for a. a re-joining (not new) sends none either.
    await join(b, { ...room(a.userId), type: 2 });
    await join(a, { ...room(b.userId), type: 2 });
    expect(await bed.stores.notifications.listNotifications(a.userId, { limit: 10 })).toMatchObject({
      notifications: [],
    });
    expect(
      (await bed.stores.notifications.listNotifications(b.userId, { limit: 10 })).notifications,
    ).toHaveLength(1);
    (await chat.sendMessage(b, dm.id, '{"t":1}')).broadcast();
    expect(await a.next('channel_message', 0)).toMatchObject({
      user_id_one: ca.user_id_one,
      sender_id: b.userId,
    });
  });

  it('lets only the two users read direct-message history; refuses bad history queries', async () => {
    const [a, b, c] = [await bed.user('ann'), await bed.user('ben'), await bed.user('cat')];
    const dm = directChannel(a.userId, b.userId).id;
    expect(await chat.history(b.userId, dm, { limit: 1, forward: true })).toEqual({});
    const denied = await chat.history(c.userId, dm, { limit: 1, forward: true }).catch((e: DomainError) => e);
    expect(denied).toMatchObject({ kind: 'PERMISSION_DENIED' });
    const invalid = [
      chat.history(a.userId, dm, { limit: 0, forward: true }),
      chat.history(a.userId, '2...', { limit: 1, forward: true }),
      chat.history(a.userId, `3.${newUuid()}..`, { limit: 1, forward: true }),
      chat.history(a.userId, '2...lobby', { limit: 1, forward: true, cursor: 'junk' }),
    ];
    for (const p of invalid) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect((err as DomainError).kind).toBe('INVALID_ARGUMENT');
    }
  });

  it('does not track a session that closed while its join was being checked', async () => {
    const [a, b] = [await bed.user('ann'), await bed.user('ben')];
    const plan = await chat.prepareJoin(a, { ...room(b.userId), type: 2 });
    a.closed = true;
    chat.join(plan);
    expect(bed.tracker.count(plan.channel.stream)).toBe(0);
  });

  it('refuses direct messages across a block, whichever user blocked', async () => {
    const [a, b] = [await bed.user('ann'), await bed.user('ben')];
    await friends.block({ userId: a.userId, username: 'ann' }, [b.userId], []);
    expect(await badInput(chat.prepareJoin(b, { ...room(a.userId), type: 2 }))).toBe('User ID not found');
    expect(await badInput(chat.prepareJoin(a, { ...room(b.userId), type: 2 }))).toBe(
      'Cannot open direct message channel with a user you blocked',
    );
  });

  it('lets members on a group channel, and takes off one removed while the join was being checked', async () => {
    const [a, b] = [await bed.user('ann'), await bed.user('ben')];
    const group = await groups.create({ userId: a.userId, username: 'ann' }, { name: 'g', open: true });
    expect(await badInput(chat.prepareJoin(b, { ...room(group.id), type: 3 }))).toBe(
      'Group not found: Invalid channel target',
    );
    await groups.join({ userId: b.userId, username: 'ben' }, group.id);
    const plan = await chat.prepareJoin(b, { ...room(group.id.toUpperCase()), type: 3 });
    expect(plan.channel).toMatchObject({ id: `3.${group.id}..`, kind: 'group', groupId: group.id });
    // Ben leaves between the check and the tracking: no listener here takes him off the channel, so
    // the join's own second look at the membership must.
    await groups.leave({ userId: b.userId, username: 'ben' }, group.id);
    expect(chat.join(plan)).toMatchObject({ id: plan.channel.id, group_id: group.id });
    expect(bed.tracker.get(b.id, plan.channel.stream)).toBeDefined();
    for (let turn = 0; turn < 100 && bed.tracker.get(b.id, plan.channel.stream); turn++) await nextTurn();
    expect(bed.tracker.get(b.id, plan.channel.stream)).toBeUndefined();
    // Members read the history; others do not.
    expect(await chat.history(a.userId, plan.channel.id, { limit: 1, forward: true })).toEqual({});
    const denied = await chat.history(b.userId, plan.channel.id, { limit: 1, forward: true }).catch((e) => e);
    expect(denied).toMatchObject({ kind: 'INVALID_ARGUMENT', message: 'Group not found.' });
  });
});
