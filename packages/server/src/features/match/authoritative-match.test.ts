import { RealtimeError } from '@tether/protocol';
import { describe, expect, it } from 'vitest';
import {
  matchBed,
  matchData,
  nextTurn,
  presenceEvents,
  type RecordingSession,
} from '../../../test/match-bed.ts';
import { toRealtimeError } from '../../pipeline/pipeline.ts';
import { MatchInitError } from './authoritative-match.ts';
import type { MatchHandler, MatchMessage, MatchPresence } from './match-handler.ts';

interface Arena {
  players: MatchPresence[];
  inputs: MatchMessage[][];
  calls: string[];
  capacity: number;
}

/** A handler that records what it is called with; tests override callbacks as needed. */
function arena(overrides: Partial<MatchHandler<Arena>> = {}): MatchHandler<Arena> {
  return {
    matchInit: (_ctx, params) => ({
      state: { players: [], inputs: [], calls: [], capacity: Number(params.capacity ?? 2) },
      tickRate: 10,
      label: JSON.stringify({ mode: 'arena' }),
    }),
    matchJoinAttempt: (_ctx, _d, _tick, state, _presence, metadata) => {
      state.calls.push(`attempt:${metadata.team ?? ''}`);
      if (state.players.length >= state.capacity)
        return { state, accept: false, rejectMessage: 'Match is full' };
      return { state, accept: true };
    },
    matchJoin: (_ctx, _d, _tick, state, presences) => {
      state.players.push(...presences);
      state.calls.push(`join:${presences.length}`);
      return { state };
    },
    matchLeave: (_ctx, _d, _tick, state, presences) => {
      state.players = state.players.filter((p) => !presences.some((q) => q.sessionId === p.sessionId));
      state.calls.push(`leave:${presences.length}`);
      return { state };
    },
    matchLoop: (_ctx, dispatcher, tick, state, messages) => {
      state.inputs.push([...messages]);
      dispatcher.broadcastMessage(2, JSON.stringify({ tick, n: messages.length }));
      return { state };
    },
    ...overrides,
  };
}

/** Runs the handler's state through a peek: the state object is shared, so tests can read it. */
function stateOf(handler: MatchHandler<Arena>) {
  let captured: Arena | undefined;
  const original = handler.matchInit;
  handler.matchInit = (ctx, params) => {
    const r = original(ctx, params);
    captured = r.state ?? undefined;
    return r;
  };
  return { get: () => captured! };
}

function join(bed: ReturnType<typeof matchBed>, s: RecordingSession, matchId: string, metadata = {}) {
  return bed.join(s, { match_id: matchId }, metadata);
}

function send(bed: ReturnType<typeof matchBed>, s: RecordingSession, matchId: string, op: number, text = '') {
  return bed.service.dataSend(s, {
    match_id: matchId,
    op_code: op,
    data: Buffer.from(text).toString('base64'),
    presences: [],
    reliable: true,
  });
}

describe('authoritative matches', () => {
  it('start from matchInit, are listed at once, and tick at their tick rate with the queued inputs', async () => {
    const handler = arena();
    const peek = stateOf(handler);
    const bed = matchBed({ arena: handler });
    const match = bed.registry.create('arena', { capacity: 2 });
    expect(match.id).toMatch(/^[0-9a-f-]{36}\.tether$/);
    expect(bed.service.list({ limit: 10 })).toEqual([
      expect.objectContaining({ matchId: match.id, authoritative: true, label: '{"mode":"arena"}', size: 0 }),
    ]);
    const a = bed.session();
    const reply = join(bed, a, match.id, { team: 'red' });
    expect(reply).toMatchObject({
      match_id: match.id,
      authoritative: true,
      label: '{"mode":"arena"}',
      size: 0,
    });
    expect(reply.presences).toBeUndefined();
    await nextTurn();
    expect(peek.get().calls).toEqual(['attempt:red', 'join:1']);
    expect(presenceEvents(a)).toEqual([
      { match_id: match.id, joins: [expect.objectContaining({ session_id: a.id })] },
    ]);

    expect(send(bed, a, match.id, 1, 'left')).toBeUndefined();
    expect(send(bed, a, match.id, 1, 'up')).toBeUndefined();
    bed.scheduler.advance(100);
    const inputs = peek.get().inputs;
    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.map((m) => Buffer.from(m.data).toString())).toEqual(['left', 'up']);
    expect(inputs[0]![0]).toMatchObject({
      opCode: 1,
      reliable: true,
      sender: { sessionId: a.id, node: 'test-node' },
    });
    bed.scheduler.advance(100);
    expect(inputs).toHaveLength(2);
    expect(inputs[1]).toEqual([]);
    await nextTurn();
    expect(matchData(a).map((d) => [d.op_code, Buffer.from(d.data ?? '', 'base64').toString()])).toEqual([
      ['2', '{"tick":0,"n":2}'],
      ['2', '{"tick":1,"n":0}'],
    ]);
    expect(match.tick).toBe(2);
  });

  it('refuse bad matchInit results with a reason and start nothing', () => {
    const bad = (init: MatchHandler['matchInit']) => ({ matchInit: init, matchLoop: () => null });
    const bed = matchBed({
      noState: bad(() => ({ state: null, tickRate: 1 })),
      slow: bad(() => ({ state: {}, tickRate: 0 })),
      fast: bad(() => ({ state: {}, tickRate: 61 })),
      label: bad(() => ({ state: {}, tickRate: 1, label: 'x'.repeat(2049) })),
      throws: bad(() => {
        throw new Error('boom');
      }),
    });
    const reasons = ['noState', 'slow', 'fast', 'label', 'throws'].map((name) => {
      try {
        bed.registry.create(name);
        return 'created';
      } catch (err) {
        expect(err).toBeInstanceOf(MatchInitError);
        return (err as Error).message;
      }
    });
    expect(reasons).toEqual([
      "matchInit of match handler 'noState' returned no state",
      "matchInit of match handler 'slow' returned tickRate 0: it must be an integer from 1 to 60",
      "matchInit of match handler 'fast' returned tickRate 61: it must be an integer from 1 to 60",
      "matchInit of match handler 'label' returned a label that is not a string of at most 2048 bytes",
      "matchInit of match handler 'throws' threw (see the log)",
    ]);
    expect(bed.registry.size).toBe(0);
    expect(bed.scheduler.pending).toBe(0);
    expect(() => bed.registry.create('nope')).toThrow("Match handler 'nope' not registered");
  });

  it('reject joins through matchJoinAttempt with code 5 and the handler reason; re-joins list everyone', async () => {
    const bed = matchBed({ arena: arena() });
    const match = bed.registry.create('arena', { capacity: 1 });
    const [a, b] = [bed.session(), bed.session()];
    join(bed, a, match.id);
    await nextTurn();
    const err = (() => {
      try {
        join(bed, b, match.id);
      } catch (e) {
        return toRealtimeError(e);
      }
    })();
    expect(err).toBeInstanceOf(RealtimeError);
    expect(err).toMatchObject({ code: 5, message: 'Match is full' });
    const again = join(bed, a, match.id);
    expect(again.size).toBe(1);
    expect(again.presences?.map((p) => p.session_id)).toEqual([a.id]);
    expect(
      toRealtimeError(
        (() => {
          try {
            join(bed, b, `${match.uuid}.othernode`);
          } catch (e) {
            return e;
          }
        })(),
      ),
    ).toMatchObject({ code: 4 });
  });

  it('deliver broadcasts to all or to listed presences, deferred ones after the loop, op_code always', async () => {
    const bed = matchBed({
      arena: arena({
        matchLoop: (_ctx, d, tick, state) => {
          if (tick === 0) {
            d.broadcastMessageDeferred(9, 'later');
            d.broadcastMessage(0, new Uint8Array([1, 2, 3]), [state.players[0]!], state.players[1]);
          }
          return { state };
        },
      }),
    });
    const match = bed.registry.create('arena');
    const [a, b] = [bed.session(), bed.session()];
    join(bed, a, match.id);
    join(bed, b, match.id);
    await nextTurn();
    bed.scheduler.advance(100);
    expect(matchData(a)).toEqual([
      {
        match_id: match.id,
        op_code: '0',
        data: 'AQID',
        presence: expect.objectContaining({ session_id: b.id }),
        reliable: true,
      },
      { match_id: match.id, op_code: '9', data: Buffer.from('later').toString('base64'), reliable: true },
    ]);
    expect(matchData(b).map((d) => d.op_code)).toEqual(['9']);
  });

  it('bound the input queue per tick: newest dropped and counted, the sender told once per tick', async () => {
    const bed = matchBed({ arena: arena() }, { inputQueueSize: 2 });
    const match = bed.registry.create('arena');
    const a = bed.session();
    join(bed, a, match.id);
    await nextTurn();
    const results = [1, 2, 3, 4].map((i) => send(bed, a, match.id, i)?.message);
    expect(results).toEqual([
      undefined,
      undefined,
      'Match input queue full: message dropped (at most 2 messages per match per tick)',
      undefined,
    ]);
    expect(match.droppedInputs).toBe(2);
    bed.scheduler.advance(100);
    expect(send(bed, a, match.id, 5)).toBeUndefined();
  });

  it('contain a throwing matchLoop: that match ends, members get a leave and are untracked, others go on', async () => {
    let crash = false;
    let terminated = 0;
    const bed = matchBed({
      fragile: arena({
        matchLoop: (_ctx, _d, _tick, state) => {
          if (crash) throw new Error('game bug');
          return { state };
        },
        matchTerminate: () => {
          terminated++;
          return null;
        },
      }),
      arena: arena(),
    });
    const fragile = bed.registry.create('fragile');
    const healthy = bed.registry.create('arena');
    const [a, b] = [bed.session(), bed.session()];
    join(bed, a, fragile.id);
    join(bed, b, healthy.id);
    await nextTurn();
    crash = true;
    bed.scheduler.advance(100);
    expect(fragile.ended).toBe(true);
    expect(bed.registry.byId(fragile.id)).toBeUndefined();
    expect(bed.service.list({ limit: 10 }).map((m) => m.matchId)).toEqual([healthy.id]);
    expect(presenceEvents(a).at(-1)).toEqual({
      match_id: fragile.id,
      leaves: [expect.objectContaining({ session_id: a.id })],
    });
    expect(bed.tracker.streamsOf(a.id)).toEqual([]);
    expect(toRealtimeError(send(bed, a, fragile.id, 1))?.code).toBe(4);
    bed.scheduler.advance(300);
    expect(healthy.tick).toBe(4);
    await bed.registry.shutdown(0);
    expect(healthy.ended).toBe(true);
    expect(terminated).toBe(0); // the faulty match is gone: its handler is not called again
  });

  it('treat a Promise-returning callback as a fault (callbacks must be synchronous)', async () => {
    const bed = matchBed({
      async: arena({
        matchLoop: (async (_c: unknown, _d: unknown, _t: number, state: Arena) => ({ state })) as never,
      }),
    });
    const match = bed.registry.create('async');
    bed.scheduler.advance(100);
    expect(match.ended).toBe(true);
  });

  it('end when a callback returns no state, and run matchLeave for kicks and disconnects', async () => {
    const handler = arena({
      matchLoop: (_ctx, d, tick, state) => {
        if (tick === 0) d.matchKick([state.players[0]!, state.players[0]!]);
        if (tick === 1) d.matchLabelUpdate('{"mode":"arena","open":false}');
        return state.players.length === 0 && tick > 2 ? null : { state };
      },
    });
    const peek = stateOf(handler);
    const bed = matchBed({ arena: handler });
    const match = bed.registry.create('arena');
    const [a, b] = [bed.session(), bed.session()];
    join(bed, a, match.id);
    join(bed, b, match.id);
    await nextTurn();
    bed.scheduler.advance(100); // kicks a
    await nextTurn();
    expect(peek.get().calls).toContain('leave:1');
    expect(presenceEvents(b).at(-1)).toEqual({
      match_id: match.id,
      leaves: [expect.objectContaining({ session_id: a.id })],
    });
    // The kicked player is told too (once), although it is no longer on the stream.
    expect(presenceEvents(a).filter((e) => e.leaves)).toEqual([
      { match_id: match.id, leaves: [expect.objectContaining({ session_id: a.id })] },
    ]);
    bed.scheduler.advance(100);
    expect(bed.service.get(match.id)?.label).toBe('{"mode":"arena","open":false}');
    bed.disconnect(b);
    await nextTurn();
    expect(peek.get().players).toEqual([]);
    bed.scheduler.advance(200);
    expect(match.ended).toBe(true);
  });

  it('answer signals, and give matchTerminate its grace period on shutdown', async () => {
    const bed = matchBed({
      arena: arena({
        matchSignal: (_ctx, _d, tick, state, data) => ({ state, data: `${data}@${tick}` }),
        matchTerminate: (_ctx, d, _tick, state, grace) => {
          d.broadcastMessage(99, `bye in ${grace}`);
          return { state };
        },
      }),
    });
    const match = bed.registry.create('arena');
    const a = bed.session();
    join(bed, a, match.id);
    bed.scheduler.advance(100);
    expect(bed.registry.signal(match.id, 'ping')).toBe('ping@1');
    expect(() => bed.registry.signal(`${match.uuid}.x`, '')).toThrow('not found');
    const done = bed.registry.shutdown(2);
    expect(() => bed.registry.create('arena')).toThrow('shutting down');
    bed.scheduler.advance(1000);
    expect(match.ended).toBe(false);
    bed.scheduler.advance(1000);
    await done;
    expect(match.ended).toBe(true);
    expect(matchData(a).some((d) => d.op_code === '99')).toBe(true);
  });
});
