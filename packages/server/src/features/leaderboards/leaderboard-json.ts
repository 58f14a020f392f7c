/**
 * Records, record lists and tournaments as Nakama's proto3 JSON (`api.LeaderboardRecord`,
 * `api.LeaderboardRecordList`, `api.Tournament`, `api.TournamentList`): snake_case, int64 as text,
 * zero values omitted, `username` kept when set (a wrapper value), times as whole-second RFC 3339.
 *
 * @packageDocumentation
 */
import { formatTimestamp, writeTimestamp } from '@tether/protocol';
import { RenderedJson } from '../../api/http-types.ts';
import { JsonBytes } from '../../shared/json-bytes.ts';
import type { RankedRecord } from './leaderboard-types.ts';
import type { RecordList } from './record-reads.ts';
import type { TournamentView } from './tournament-service.ts';

/** `api.LeaderboardRecord`. */
export type RecordJson = Record<string, string | number>;

/** `api.LeaderboardRecord` of one record. */
export function recordJson(r: RankedRecord): RecordJson {
  const out: RecordJson = { leaderboard_id: r.leaderboardId, owner_id: r.ownerId };
  if (r.username !== null) out.username = r.username;
  if (r.score !== 0n) out.score = r.score.toString();
  if (r.subscore !== 0n) out.subscore = r.subscore.toString();
  if (r.numScore !== 0) out.num_score = r.numScore;
  if (r.metadata !== '') out.metadata = r.metadata;
  out.create_time = formatTimestamp(r.createTime);
  out.update_time = formatTimestamp(r.updateTime);
  if (r.expiryTime !== 0) out.expiry_time = formatTimestamp(r.expiryTime * 1000);
  if (r.rank !== 0) out.rank = String(r.rank);
  if (r.maxNumScore !== 0) out.max_num_score = r.maxNumScore;
  return out;
}

/** `api.LeaderboardRecordList` (also `api.TournamentRecordList`, which has the same fields). */
export function recordListJson(list: RecordList): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (list.records.length > 0) out.records = list.records.map(recordJson);
  if (list.ownerRecords.length > 0) out.owner_records = list.ownerRecords.map(recordJson);
  if (list.nextCursor) out.next_cursor = list.nextCursor;
  if (list.prevCursor) out.prev_cursor = list.prevCursor;
  if (list.rankCount !== 0) out.rank_count = String(list.rankCount);
  return out;
}

/**
 * A record list as a JSON response: the bytes of `JSON.stringify(recordListJson(list))`, written
 * straight from the records (no per-record objects, no JSON string on the heap), and the object
 * itself only for an API after hook that asks for it. A 100-record list is ~30 KB of JSON; going
 * through objects and a string allocated about half of what a read does (docs/leaderboards.md).
 */
export function recordListResponse(list: RecordList, scratch: JsonBytes): RenderedJson {
  return new RenderedJson(recordListBytes(list, scratch), () => recordListJson(list));
}

/**
 * The bytes of `JSON.stringify(recordListJson(list))`, written in `scratch` (the routes' own,
 * reused: the text is written and copied out in one synchronous call).
 */
export function recordListBytes(list: RecordList, scratch: JsonBytes = new JsonBytes(1024)): Buffer {
  const w = scratch.reset();
  let open = false;
  const key = (name: string) => {
    w.raw(open ? `,"${name}":` : `{"${name}":`);
    open = true;
  };
  if (list.records.length > 0) {
    key('records');
    writeRecords(w, list.records);
  }
  if (list.ownerRecords.length > 0) {
    key('owner_records');
    writeRecords(w, list.ownerRecords);
  }
  if (list.nextCursor) {
    key('next_cursor');
    w.string(list.nextCursor);
  }
  if (list.prevCursor) {
    key('prev_cursor');
    w.string(list.prevCursor);
  }
  if (list.rankCount !== 0) {
    key('rank_count');
    w.intString(list.rankCount);
  }
  w.raw(open ? '}' : '{}');
  return w.bytes();
}

/** An array of records as {@link recordJson} objects would stringify. */
function writeRecords(w: JsonBytes, records: readonly RankedRecord[]): void {
  w.raw('[');
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    w.raw(i === 0 ? '{"leaderboard_id":' : ',{"leaderboard_id":').string(r.leaderboardId);
    w.raw(',"owner_id":').string(r.ownerId);
    if (r.username !== null) w.raw(',"username":').string(r.username);
    if (r.score !== 0n) w.raw(',"score":').bigintString(r.score);
    if (r.subscore !== 0n) w.raw(',"subscore":').bigintString(r.subscore);
    if (r.numScore !== 0) w.raw(',"num_score":').number(r.numScore);
    if (r.metadata !== '') w.raw(',"metadata":').string(r.metadata);
    w.raw(',"create_time":').timestamp(r.createTime, writeTimestamp, formatTimestamp);
    w.raw(',"update_time":').timestamp(r.updateTime, writeTimestamp, formatTimestamp);
    if (r.expiryTime !== 0)
      w.raw(',"expiry_time":').timestamp(r.expiryTime * 1000, writeTimestamp, formatTimestamp);
    if (r.rank !== 0) w.raw(',"rank":').intString(r.rank);
    if (r.maxNumScore !== 0) w.raw(',"max_num_score":').number(r.maxNumScore);
    w.raw('}');
  }
  w.raw(']');
}

/** `api.Tournament`: the API's operator enum is the stored one plus one. */
export function tournamentJson(t: TournamentView): Record<string, unknown> {
  const b = t.board;
  const w = t.window;
  const out: Record<string, unknown> = { id: b.id };
  const set = (key: string, v: number | string | boolean) => {
    if (v !== 0 && v !== '' && v !== false) out[key] = v;
  };
  set('title', b.title);
  set('description', b.description);
  set('category', b.category);
  set('sort_order', b.sortOrder);
  set('size', t.size);
  set('max_size', b.maxSize === 0 ? 2 ** 31 - 1 : b.maxSize);
  set('max_num_score', b.maxNumScore);
  set('can_enter', t.canEnter);
  set('end_active', w.endActive);
  set('next_reset', w.expiry);
  out.metadata = b.metadata;
  out.create_time = formatTimestamp(b.createTime);
  out.start_time = formatTimestamp(b.startTime * 1000);
  if (b.endTime !== 0) out.end_time = formatTimestamp(b.endTime * 1000);
  set('duration', b.duration);
  set('start_active', w.startActive);
  set('prev_reset', w.prevReset);
  set('operator', b.operator + 1);
  set('authoritative', b.authoritative);
  return out;
}
