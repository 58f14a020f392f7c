/**
 * SQLite's plan for every record scan: the rank index covers the columns a scan reads (migration
 * 2), so pages and "around owner" windows never look a record up in the table. A column added to
 * the scan but not to the index would make SQLite fall back to a table look-up per record (about
 * half the read's time at a million records), and this test fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteDb } from '../../../db/db.ts';
import { migrate } from '../../../db/migrations.ts';
import { openSqliteDb } from '../../../db/sqlite-db.ts';
import { LEADERBOARD_MIGRATIONS } from '../migrations.ts';
import { SCAN_COLUMNS, scanSql } from './sqlite.ts';

describe('leaderboard scans on SQLite', () => {
  let dir: string;
  let db: SqliteDb;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-lb-plan-'));
    db = openSqliteDb({ dataDir: dir });
    await migrate(db, [LEADERBOARD_MIGRATIONS]);
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const variants = (['<', '>'] as const).flatMap((cmp) =>
    (['ASC', 'DESC'] as const).flatMap((dir) => [true, false].map((from) => ({ cmp, dir, from }))),
  );

  it.each(variants)('reads only the covering rank index ($cmp $dir, from a position: $from)', async (v) => {
    const plan = await db.run((c) =>
      c
        .prepare(`EXPLAIN QUERY PLAN ${scanSql(SCAN_COLUMNS, v.cmp, v.dir, v.from)}`)
        .all(...(v.from ? ['b', 0, 5n, 0n, 'owner', 100] : ['b', 0, 100])),
    );
    const details = (plan as Array<{ detail: string }>).map((p) => p.detail);
    expect(details).toHaveLength(1);
    expect(details[0]).toMatch(/USING COVERING INDEX leaderboard_records_rank\b/);
  });
});
