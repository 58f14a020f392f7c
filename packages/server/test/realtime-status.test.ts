import { describe, expect, it } from 'vitest';
import type { Session } from '../src/session/session.ts';
import type { TestServer } from './helpers.ts';
import { connectPlayer, type PresenceEventBody, RawSocket, serverPerTest } from './realtime-helpers.ts';

/** Resolves with the next session of `userId` that closes on the server. */
function serverClose(server: TestServer, userId: string): Promise<Session> {
  return new Promise((resolve) => {
    const off = server.realtime.lifecycle.onClosed((session) => {
      if (session.userId !== userId) return;
      off();
      resolve(session);
    });
  });
}

const statuses = (list: { status?: string }[] | undefined) => (list ?? []).map((p) => p.status);

describe('status (follow, update, presence events)', () => {
  const { players, raws, start } = serverPerTest();

  /** A player who is online (status=true) and a follower, each having seen its own status join. */
  async function pair() {
    const server = await start();
    const alice = await connectPlayer(server, players, {
      deviceId: 'alice-device-0001',
      status: true,
      username: 'alice.status',
    });
    await alice.events.next('onstatuspresence'); // own join
    const bob = await connectPlayer(server, players);
    return { server, alice, bob, aliceId: alice.session.user_id! };
  }

  it('follows by id: replies with current presences, skips unknown users and itself', async () => {
    const { server, bob, aliceId } = await pair();
    const [aliceSession] = server.realtime.sessions.byUser(aliceId);
    const reply = await bob.socket.followUsers([
      aliceId,
      '5c9e6a42-1d0f-4b7e-9a3c-2f8d1e6b4a70', // nobody
      bob.session.user_id!,
    ]);
    expect(reply.presences).toEqual([
      { user_id: aliceId, session_id: aliceSession!.id, username: 'alice.status', status: '' },
    ]);
    expect(server.realtime.status.followerCount(aliceId)).toBe(2); // alice herself, and bob
    // A user online without status=true is followed but has no presence.
    const carol = await connectPlayer(server, players);
    expect((await bob.socket.followUsers([carol.session.user_id!])).presences).toBeUndefined();
  });

  it('follows by username (case-insensitive), which nakama-js never sends but the proto allows', async () => {
    const { server, aliceId } = await pair();
    const watcher = await RawSocket.login(server);
    raws.push(watcher);
    const reply = await watcher.request('1', {
      status_follow: { usernames: ['ALICE.STATUS', 'no.such.user'] },
    });
    expect(reply).toMatchObject({ cid: '1', status: { presences: [{ user_id: aliceId, status: '' }] } });
  });

  it('announces an update as join(new) + leave(old), appear-offline as a leave, and a disconnect as a leave', async () => {
    const { server, alice, bob, aliceId } = await pair();
    await bob.socket.followUsers([aliceId]);

    await alice.socket.updateStatus('in a match');
    const update = await bob.events.next<PresenceEventBody>('onstatuspresence');
    expect(statuses(update.joins)).toEqual(['in a match']);
    expect(statuses(update.leaves)).toEqual(['']);
    expect(update.joins![0]!.user_id).toBe(aliceId);

    await alice.socket.updateStatus(); // appear offline
    const offline = await bob.events.next<PresenceEventBody>('onstatuspresence');
    expect(offline.joins ?? []).toEqual([]);
    expect(statuses(offline.leaves)).toEqual(['in a match']);
    expect(server.realtime.status.presencesOf(aliceId)).toEqual([]);

    await alice.socket.updateStatus('back');
    const back = await bob.events.next<PresenceEventBody>('onstatuspresence');
    expect(statuses(back.joins)).toEqual(['back']);
    expect(back.leaves ?? []).toEqual([]);

    // A second device of alice coming online is a join; the first one disconnecting is a leave.
    await connectPlayer(server, players, { deviceId: 'alice-device-0001', status: true });
    const [first, second] = server.realtime.sessions.byUser(aliceId);
    const joined = await bob.events.next<PresenceEventBody>('onstatuspresence');
    expect(joined.joins!.map((p) => [p.session_id, p.status])).toEqual([[second!.id, '']]);
    const closed = serverClose(server, aliceId);
    alice.socket.disconnect(false);
    expect((await closed).id).toBe(first!.id);
    const left = await bob.events.next<PresenceEventBody>('onstatuspresence');
    expect(left.joins ?? []).toEqual([]);
    expect(left.leaves!.map((p) => [p.session_id, p.status])).toEqual([[first!.id, 'back']]);
    expect(server.realtime.status.presencesOf(aliceId).map((p) => p.session_id)).toEqual([second!.id]);
  });

  it('stops events after unfollow (always ok) and drops follows when the follower disconnects', async () => {
    const { server, alice, bob, aliceId } = await pair();
    const carol = await connectPlayer(server, players);
    await bob.socket.followUsers([aliceId]);
    await carol.socket.followUsers([aliceId]);
    const reply = await bob.socket.unfollowUsers([aliceId, '5c9e6a42-1d0f-4b7e-9a3c-2f8d1e6b4a70']);
    expect(reply).toEqual({ cid: expect.any(String) });
    await alice.socket.updateStatus('busy');
    // Carol's event and Bob's (if he still followed) would go out in the same batch.
    expect(statuses((await carol.events.next<PresenceEventBody>('onstatuspresence')).joins)).toEqual([
      'busy',
    ]);
    expect(bob.events.all('onstatuspresence')).toEqual([]);
    expect(server.realtime.status.followerCount(aliceId)).toBe(2); // alice and carol

    const gone = serverClose(server, carol.session.user_id!);
    carol.socket.disconnect(false);
    await gone;
    expect(server.realtime.status.followerCount(aliceId)).toBe(1);
  });

  it('rejects bad input with BAD_INPUT: a non-UUID id, a status over 2048 bytes', async () => {
    const { alice, bob } = await pair();
    await expect(bob.socket.followUsers(['alice'])).rejects.toEqual({
      code: 3,
      message: 'Invalid user identifier',
    });
    await expect(alice.socket.updateStatus('x'.repeat(2049))).rejects.toMatchObject({
      code: 3,
      message: 'Status must be 2048 characters or less',
    });
    await alice.socket.updateStatus('y'.repeat(2048));
  });
});
