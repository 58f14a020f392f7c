/**
 * Nakama's score operators: what a first write stores and how a later write changes a record
 * (`core_leaderboard.go` semantics; the table is in docs/leaderboards.md). Pure functions over bigint.
 *
 * @packageDocumentation
 */
import { invalid } from '../../shared/domain-error.ts';
import { MAX_SCORE, Operator, SortOrder } from './leaderboard-types.ts';

/** A score pair. */
export interface ScorePair {
  readonly score: bigint;
  readonly subscore: bigint;
}

/** What a write does to an existing record. */
export interface ScoreChange extends ScorePair {
  /** False when the write leaves the record as it is (no improvement, no change, a zero delta). */
  readonly apply: boolean;
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The values a first write stores: the submitted pair, except `decr`, which starts at 0/0. */
export function firstWrite(op: Operator, submitted: ScorePair): ScorePair {
  const pair = op === Operator.DECR ? { score: 0n, subscore: 0n } : submitted;
  checkRange(pair);
  return pair;
}

/**
 * Applies `op` to `old` with the submitted pair. Leaderboards filter (`filtered` true): `best`
 * updates only when either field improves, `set` only when either differs, `incr`/`decr` only for a
 * non-zero delta. Tournaments do not filter: every submission counts as an attempt.
 * `best` takes the better of each field independently, so (10,5) then (8,7) on a descending board is
 * (10,7).
 */
export function applyOperator(
  op: Operator,
  order: SortOrder,
  old: ScorePair,
  submitted: ScorePair,
  filtered: boolean,
): ScoreChange {
  let next: ScorePair;
  let changes: boolean;
  switch (op) {
    case Operator.BEST: {
      const desc = order === SortOrder.DESC;
      next = desc
        ? { score: max(old.score, submitted.score), subscore: max(old.subscore, submitted.subscore) }
        : { score: min(old.score, submitted.score), subscore: min(old.subscore, submitted.subscore) };
      changes = next.score !== old.score || next.subscore !== old.subscore;
      break;
    }
    case Operator.SET:
      next = submitted;
      changes = submitted.score !== old.score || submitted.subscore !== old.subscore;
      break;
    case Operator.INCR:
      next = { score: old.score + submitted.score, subscore: old.subscore + submitted.subscore };
      changes = submitted.score !== 0n || submitted.subscore !== 0n;
      break;
    case Operator.DECR:
      next = {
        score: max(old.score - submitted.score, 0n),
        subscore: max(old.subscore - submitted.subscore, 0n),
      };
      changes = submitted.score !== 0n || submitted.subscore !== 0n;
      break;
  }
  checkRange(next);
  return { ...next, apply: filtered ? changes : true };
}

function checkRange(pair: ScorePair): void {
  for (const [what, v] of [
    ['score', pair.score],
    ['subscore', pair.subscore],
  ] as const) {
    if (v < 0n || v > MAX_SCORE) {
      throw invalid(`Invalid ${what}: the result ${v} is outside 0…9223372036854775807.`);
    }
  }
}
