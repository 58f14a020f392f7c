/**
 * Writing one record, for leaderboards and tournaments alike: read the owner's record under a row
 * lock, apply the operator, store, and update the rank index only once the transaction commits.
 *
 * @packageDocumentation
 */
import type { Db } from '../../db/db.ts';
import type { Clock } from '../../shared/clock.ts';
import { DomainError, ErrorKind } from '../../shared/domain-error.ts';
import {
  type Board,
  DEFAULT_MAX_NUM_SCORE,
  type LeaderboardRecord,
  type Operator,
  type RankedRecord,
} from './leaderboard-types.ts';
import type { RankBook } from './rank-book.ts';
import { applyOperator, firstWrite, type ScorePair } from './score-ops.ts';
import type { LeaderboardStore, Period } from './store/leaderboard-store.ts';

/** What record writes and reads are built on. */
export interface RecordDeps {
  readonly store: LeaderboardStore;
  readonly db: Db;
  readonly clock: Clock;
  readonly ranks: RankBook;
}

/** One submission. */
export interface WriteInput extends ScorePair {
  readonly ownerId: string;
  /** The name shown with the record; undefined keeps the stored one. */
  readonly username?: string | null | undefined;
  /** JSON text of an object; undefined keeps the stored metadata. */
  readonly metadata?: string | undefined;
  readonly operator: Operator;
}

/** Tournament rules that apply to a write (absent for leaderboards). */
export interface TournamentRules {
  readonly joinRequired: boolean;
  /** Participants per period; 0 = unlimited. */
  readonly maxSize: number;
}

/** Nakama's FailedPrecondition (gRPC 9, HTTP 400) for tournament rules. */
export function failedPrecondition(message: string): DomainError {
  return new DomainError(ErrorKind.FAILED_PRECONDITION, message);
}

/**
 * Writes `input` into `expiry`'s period of `board` and returns the stored record with its rank.
 * Leaderboards skip writes that change nothing (Nakama's filters); tournaments count every attempt
 * and refuse the one past `max_num_score`.
 */
export async function writeRecord(
  deps: RecordDeps,
  board: Board,
  expiry: number,
  input: WriteInput,
  tournament?: TournamentRules,
): Promise<RankedRecord> {
  const period: Period = { leaderboardId: board.id, expiryTime: expiry };
  const { store } = deps;
  let rank = 0;
  const stored = await deps.db.tx(async () => {
    const now = deps.clock.now();
    const commit = (record: LeaderboardRecord) => {
      deps.db.afterCommit(() => {
        rank = deps.ranks.upsert(board, record);
      });
      return record;
    };
    let existing = await store.getRecord(period, input.ownerId, { forUpdate: true });
    if (existing === null) {
      if (tournament?.joinRequired) {
        throw failedPrecondition('Must join tournament before attempting to write value.');
      }
      const first = firstWrite(input.operator, input);
      const fresh: LeaderboardRecord = {
        leaderboardId: board.id,
        ownerId: input.ownerId,
        username: input.username ?? null,
        score: first.score,
        subscore: first.subscore,
        numScore: 1,
        maxNumScore: tournament ? board.maxNumScore : DEFAULT_MAX_NUM_SCORE,
        metadata: input.metadata ?? '{}',
        createTime: now,
        updateTime: now,
        expiryTime: expiry,
      };
      if (await store.insertRecord(fresh)) {
        // Counted after the insert, so a refused place rolls the insert back with it.
        if (tournament && tournament.maxSize > 0 && !(await store.claimSlot(period, tournament.maxSize))) {
          throw failedPrecondition('Tournament has reached max size.');
        }
        return commit(fresh);
      }
      // Another writer inserted it first: continue as an update of theirs.
      existing = await store.getRecord(period, input.ownerId, { forUpdate: true });
      if (existing === null)
        throw new DomainError(ErrorKind.ABORTED, 'Record changed concurrently, try again.');
    }
    if (tournament) {
      if (existing.numScore >= existing.maxNumScore) {
        if (tournament.joinRequired) return existing; // Nakama ignores it silently
        throw failedPrecondition('Reached allowed max number of score attempts.');
      }
    }
    const change = applyOperator(input.operator, board.sortOrder, existing, input, tournament === undefined);
    if (!change.apply) return existing;
    const updated: LeaderboardRecord = {
      ...existing,
      score: change.score,
      subscore: change.subscore,
      numScore: existing.numScore + 1,
      metadata: input.metadata ?? existing.metadata,
      username: input.username === undefined ? existing.username : input.username,
      updateTime: now,
    };
    await store.updateRecord(updated);
    return commit(updated);
  });
  if (rank === 0) rank = await deps.ranks.rankOf(board, stored);
  return { ...stored, rank };
}

/**
 * Puts a participant with score 0/0 and no attempts into a tournament period (join). True when
 * the owner joined now, false when already in; refuses a full tournament.
 */
export async function joinRecord(
  deps: RecordDeps,
  board: Board,
  expiry: number,
  ownerId: string,
  username: string | null,
): Promise<boolean> {
  const period: Period = { leaderboardId: board.id, expiryTime: expiry };
  return deps.db.tx(async () => {
    const now = deps.clock.now();
    const record: LeaderboardRecord = {
      leaderboardId: board.id,
      ownerId,
      username,
      score: 0n,
      subscore: 0n,
      numScore: 0,
      maxNumScore: board.maxNumScore,
      metadata: '{}',
      createTime: now,
      updateTime: now,
      expiryTime: expiry,
    };
    if (!(await deps.store.insertRecord(record))) return false;
    if (board.maxSize > 0 && !(await deps.store.claimSlot(period, board.maxSize))) {
      throw failedPrecondition('Tournament cannot be joined as it has reached its max size.');
    }
    deps.db.afterCommit(() => deps.ranks.upsert(board, record));
    return true;
  });
}

/** Deletes an owner's record in a period; the index follows after the commit. True when one existed. */
export async function deleteRecord(deps: RecordDeps, period: Period, ownerId: string): Promise<boolean> {
  return deps.db.tx(async () => {
    const gone = await deps.store.deleteRecord(period, ownerId);
    if (gone) deps.db.afterCommit(() => deps.ranks.remove(period, ownerId));
    return gone !== null;
  });
}
