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
import { namedMatchId } from './match-id.ts';

/** The error a call throws, as the socket pipeline sends it. */
function failure(fn: () => unknown): RealtimeError {
  try {
    fn();
  } catch (err) {
    const sent = toRealtimeError(err);
    expect(sent).toBeInstanceOf(RealtimeError);
    return sent!;
  }
  throw new Error('expected a failure');
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const ids = (list: { session_id: string }[] | undefined) => (list ?? []).map((p) => p.session_id);

describe('relayed matches', () => {
  it('create: a new match with the creator alone; a name always gives the same uuid v5 match', () => {
    const bed = matchBed();
    const [a, b] = [bed.session(), bed.session()];
    const m = bed.service.create(a, '');
    expect(m).toEqual({
      match_id: expect.stringMatching(/^[0-9a-f-]{36}\.$/),
      size: 1,
      self: { user_id: a.userId, session_id: a.id, username: a.username },
    });
    const named = bed.service.create(a, 'lobby');
    expect(named.match_id).toBe(namedMatchId('lobby'));
    const second = bed.service.create(b, 'lobby');
    expect(second.match_id).toBe(named.match_id);
    expect(second.size).toBe(2);
    expect(ids(second.presences)).toEqual([a.id]);
  });

  it('join: presences exclude the joiner and size counts them; a re-join lists everyone, self included', () => {
    const bed = matchBed();
    const [a, b] = [bed.session(), bed.session()];
    const { match_id } = bed.service.create(a, '');
    const joined = bed.join(b, { match_id }, {});
    expect(joined.size).toBe(1);
    expect(ids(joined.presences)).toEqual([a.id]);
    const again = bed.join(a, { match_id }, {});
    expect(again.size).toBe(2);
    expect(ids(again.presences)).toEqual([a.id, b.id]);
  });

  it('announce joins to every member after the reply, the joiner included, and leaves to the others', async () => {
    const bed = matchBed();
    const [a, b] = [bed.session(), bed.session()];
    const { match_id } = bed.service.create(a, '');
    expect(presenceEvents(a)).toEqual([]); // nothing before the reply has gone out
    await nextTurn();
    expect(presenceEvents(a)).toEqual([{ match_id, joins: [expect.objectContaining({ session_id: a.id })] }]);
    bed.join(b, { match_id }, {});
    await nextTurn();
    expect(ids(presenceEvents(a)[1]?.joins)).toEqual([b.id]);
    expect(ids(presenceEvents(b)[0]?.joins)).toEqual([b.id]);
    bed.service.leave(b, match_id);
    bed.service.leave(b, match_id); // a second leave is still fine
    await nextTurn();
    expect(presenceEvents(a)[2]).toEqual({
      match_id,
      leaves: [expect.objectContaining({ session_id: b.id })],
    });
    expect(presenceEvents(b)).toHaveLength(1);
    bed.disconnect(a);
    await nextTurn();
    expect(bed.service.list({ limit: 10 })).toEqual([]);
    expect(failure(() => bed.join(b, { match_id }, {}))).toMatchObject({
      code: 4,
      message: 'Match not found',
    });
  });

  it('relay data to every other member, or only to listed members (the sender only if listed)', async () => {
    const bed = matchBed();
    const [a, b, c] = [bed.session(), bed.session(), bed.session()];
    const { match_id } = bed.service.create(a, '');
    bed.join(b, { match_id }, {});
    bed.join(c, { match_id }, {});
    const outsider = bed.session();
    const send = (from: RecordingSession, op: number, to: RecordingSession[] = []) =>
      bed.service.dataSend(from, {
        match_id,
        op_code: op,
        data: b64(`op${op}`),
        presences: to.map((s) => ({ session_id: s.id })),
        reliable: false,
      });
    expect(send(a, 0)).toBeUndefined();
    expect(send(a, 7, [a, c, outsider])).toBeUndefined();
    await nextTurn();
    const sender = { user_id: a.userId, session_id: a.id, username: a.username };
    expect(matchData(b)).toEqual([{ match_id, op_code: '0', data: b64('op0'), presence: sender }]);
    expect(matchData(c).map((d) => d.op_code)).toEqual(['0', '7']);
    expect(matchData(a).map((d) => d.op_code)).toEqual(['7']);
    expect(matchData(outsider)).toEqual([]);
  });

  it('refuse bad sends with a reason: not a member, bad op code, too large, bad id, unknown match', () => {
    const bed = matchBed({}, { maxDataBytes: 8 });
    const [a, b] = [bed.session(), bed.session()];
    const { match_id } = bed.service.create(a, '');
    const send = (over: Partial<Parameters<typeof bed.service.dataSend>[1]>, from = a) =>
      toRealtimeError(
        bed.service.dataSend(from, {
          match_id,
          op_code: 1,
          data: '',
          presences: [],
          reliable: false,
          ...over,
        }),
      );
    expect(send({}, b)?.message).toBe(
      'Match data dropped: you are not a member of this match (join it first)',
    );
    expect(send({ op_code: -1 })?.message).toMatch(/^Invalid op code -1: must be an integer from 0 to/);
    expect(send({ data: b64('123456789') })?.message).toBe(
      'Match data too large: 9 bytes exceeds the limit of 8 bytes',
    );
    expect(send({ data: b64('12345678') })).toBeUndefined();
    expect(send({ match_id: 'nope' })).toMatchObject({ code: 3, message: "Invalid match ID: 'nope'" });
    expect(send({ match_id: `${match_id.slice(0, 36)}.tether` })?.code).toBe(4);
    expect(failure(() => bed.service.leave(a, 'x.'))).toMatchObject({ code: 3 });
  });

  it('join by matchmaker token: the first member creates the match; bad tokens are BAD_INPUT', () => {
    const bed = matchBed();
    const [a, b] = [bed.session(), bed.session()];
    const mid = namedMatchId('from-matchmaker');
    const first = bed.join(a, { token: bed.tokens.createMatchToken(mid) }, {});
    expect(first).toMatchObject({ match_id: mid, size: 0 });
    expect(bed.join(b, { token: bed.tokens.createMatchToken(mid) }, {}).size).toBe(1);
    expect(failure(() => bed.join(b, { match_id: namedMatchId('nobody') }, {})).code).toBe(4);
    const token = bed.tokens.createMatchToken(mid);
    bed.clock.advance(31_000);
    expect(failure(() => bed.join(b, { token }, {}))).toMatchObject({
      code: 3,
      message: 'Invalid match token: expired',
    });
  });

  it('list relayed matches unless a label filter or query is given, with size bounds', () => {
    const bed = matchBed();
    const [a, b] = [bed.session(), bed.session()];
    const one = bed.service.create(a, 'one');
    const two = bed.service.create(a, 'two');
    bed.join(b, { match_id: two.match_id }, {});
    expect(bed.service.list({ limit: 10 }).map((m) => [m.matchId, m.size])).toEqual([
      [one.match_id, 1],
      [two.match_id, 2],
    ]);
    expect(bed.service.list({ limit: 10, minSize: 2 }).map((m) => m.matchId)).toEqual([two.match_id]);
    expect(bed.service.list({ limit: 1 })).toHaveLength(1);
    expect(bed.service.list({ limit: 10, authoritative: true })).toEqual([]);
    expect(bed.service.list({ limit: 10, query: '*' })).toEqual([]);
    expect(() => bed.service.list({ limit: 0 })).toThrow('Invalid limit - limit must be between 1 and 100.');
    expect(() => bed.service.list({ limit: 10, query: '+label.x:>=abc' })).toThrow(/^Invalid query: /);
  });
});
