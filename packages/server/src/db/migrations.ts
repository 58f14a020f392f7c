/**
 * The migration runner. Each feature owns its migration lists (one per dialect) and the runner
 * applies them in the order the features are given, recording each applied (feature, version) in
 * `tether_schema_migrations`. It can also adopt a database written by an older, single-list runner:
 * see {@link LegacyMigrations}.
 */
import type { Logger } from '../observability/logger.ts';
import type { AnyDb, Dialect } from './db.ts';
import { MigrationError } from './errors.ts';
import { isPlainIdentifier } from './identifiers.ts';
import { type LedgerEntry, type MigrationLedger, postgresLedger, sqliteLedger } from './migration-ledger.ts';

/** One forward-only schema change of one feature. Never edited once released; append new versions. */
export interface Migration {
  /** The owning feature (`accounts`, `chat`, ...): a lower-case identifier. */
  readonly feature: string;
  /** 1, 2, 3, ... within the feature. */
  readonly version: number;
  readonly name: string;
  /** One or more statements, run in one transaction. */
  readonly sql: string;
}

/** A feature's migrations for each dialect: the same versions and names, each in its own SQL. */
export interface FeatureMigrations {
  readonly sqlite: readonly Migration[];
  readonly postgres: readonly Migration[];
}

/**
 * How to adopt a database migrated by an older runner whose table `table(version, name, applied_at)`
 * numbered migrations globally: each old version maps to the (feature, version) pairs that now hold
 * the same SQL. The runner records those pairs (keeping the old `applied_at`) and drops the old table,
 * in one transaction, before applying anything newer.
 */
export interface LegacyMigrations {
  readonly table: string;
  readonly versions: Readonly<Record<number, readonly (readonly [feature: string, version: number])[]>>;
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  readonly legacy?: LegacyMigrations | undefined;
  /** Told about every migration applied or adopted. */
  readonly logger?: Logger | undefined;
}

/** What {@link migrate} did. */
export interface MigrationReport {
  /** Migrations recorded from the legacy table (already in the schema, not run again). */
  readonly adopted: readonly LedgerEntry[];
  /** Migrations run now, in order. */
  readonly applied: readonly LedgerEntry[];
}

/**
 * Brings the database up to date: adopts a legacy table if there is one, then runs every pending
 * migration, each in its own transaction (a failure keeps the earlier ones and rolls back only its
 * own). Refuses a database that records migrations these lists do not have (written by a newer
 * server). Throws {@link MigrationError}.
 */
export async function migrate(
  db: AnyDb,
  features: readonly FeatureMigrations[],
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const plan = planMigrations(features, db.dialect);
  const ledger = db.dialect === 'sqlite' ? sqliteLedger(db) : postgresLedger(db);
  const { adopted, recorded } = await db.tx(async () => {
    await ledger.prepare();
    const adopted = options.legacy ? await adoptLegacy(ledger, options.legacy, plan.byKey) : [];
    const recorded = await ledger.recorded();
    const unknown = recorded.filter((r) => !plan.byKey.has(keyOf(r.feature, r.version)));
    if (unknown.length > 0) {
      const list = unknown.map((r) => `${r.feature} ${r.version}`).join(', ');
      throw new MigrationError(
        `the database records migrations this server does not know (${list}): it was written by a newer version`,
      );
    }
    return { adopted, recorded: new Set(recorded.map((r) => keyOf(r.feature, r.version))) };
  });
  for (const m of adopted) options.logger?.info(entryOf(m), 'adopted legacy migration');
  const applied: LedgerEntry[] = [];
  for (const m of plan.ordered) {
    if (recorded.has(keyOf(m.feature, m.version))) continue;
    const ran = await db
      .tx(async () => {
        await ledger.prepare();
        // Another process may have applied it since we looked.
        if (await ledger.isRecorded(m.feature, m.version)) return false;
        await ledger.apply(m.sql);
        await ledger.record(m);
        return true;
      })
      .catch((err: unknown) => {
        throw new MigrationError(
          `migration ${m.feature} ${m.version} (${m.name}) failed: ${(err as Error).message}`,
          { cause: err },
        );
      });
    if (ran) {
      applied.push(entryOf(m));
      options.logger?.info(entryOf(m), 'applied migration');
    }
  }
  return { adopted, applied };
}

async function adoptLegacy(
  ledger: MigrationLedger,
  legacy: LegacyMigrations,
  known: ReadonlyMap<string, Migration>,
): Promise<LedgerEntry[]> {
  if (!isPlainIdentifier(legacy.table)) {
    throw new MigrationError(`legacy table name ${JSON.stringify(legacy.table)} is not a plain identifier`);
  }
  if (!(await ledger.tableExists(legacy.table))) return [];
  const adopted: LedgerEntry[] = [];
  for (const version of await ledger.legacyVersions(legacy.table)) {
    const targets = Object.hasOwn(legacy.versions, version) ? legacy.versions[version] : undefined;
    if (!targets) {
      throw new MigrationError(
        `${legacy.table} records version ${version}, which has no translation: written by a newer version?`,
      );
    }
    for (const [feature, featureVersion] of targets) {
      const m = known.get(keyOf(feature, featureVersion));
      if (!m) {
        throw new MigrationError(
          `${legacy.table} version ${version} translates to ${feature} ${featureVersion}, which no list has`,
        );
      }
      await ledger.adopt(legacy.table, version, m);
      adopted.push(entryOf(m));
    }
  }
  await ledger.dropTable(legacy.table);
  return adopted;
}

interface Plan {
  /** Every migration of the dialect, in the order to apply. */
  readonly ordered: readonly Migration[];
  readonly byKey: ReadonlyMap<string, Migration>;
}

/**
 * Checks the lists and flattens them in order. A list problem is a bug in the server, so it is
 * reported before anything touches the database.
 */
export function planMigrations(features: readonly FeatureMigrations[], dialect: Dialect): Plan {
  const ordered: Migration[] = [];
  const byKey = new Map<string, Migration>();
  const owner = new Map<string, number>();
  features.forEach((lists, index) => {
    assertSameMigrations(lists);
    let last: Migration | undefined;
    for (const m of lists[dialect]) {
      assertWellFormed(m);
      const listOwner = owner.get(m.feature);
      if (listOwner !== undefined && listOwner !== index) {
        throw new MigrationError(
          `feature ${m.feature} has migrations in two lists (${listOwner} and ${index})`,
        );
      }
      owner.set(m.feature, index);
      if (last?.feature === m.feature && m.version <= last.version) {
        throw new MigrationError(`${m.feature} ${m.version} comes after ${m.feature} ${last.version}`);
      }
      if (byKey.has(keyOf(m.feature, m.version))) {
        throw new MigrationError(`${m.feature} ${m.version} is listed twice`);
      }
      byKey.set(keyOf(m.feature, m.version), m);
      ordered.push(m);
      last = m;
    }
  });
  return { ordered, byKey };
}

/** Both dialects must list the same migrations: the schemas stay in step. */
function assertSameMigrations(lists: FeatureMigrations): void {
  const describe = (list: readonly Migration[]) =>
    list.map((m) => `${m.feature} ${m.version} ${JSON.stringify(m.name)}`).join(', ');
  const sqlite = describe(lists.sqlite);
  const postgres = describe(lists.postgres);
  if (sqlite !== postgres) {
    throw new MigrationError(`SQLite and PostgreSQL lists differ: [${sqlite}] vs [${postgres}]`);
  }
}

function assertWellFormed(m: Migration): void {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(m.feature)) {
    throw new MigrationError(`feature name ${JSON.stringify(m.feature)} is not a lower-case identifier`);
  }
  if (!Number.isSafeInteger(m.version) || m.version < 1) {
    throw new MigrationError(`${m.feature}: version ${m.version} is not a positive integer`);
  }
  if (m.name.trim() === '' || m.sql.trim() === '') {
    throw new MigrationError(`${m.feature} ${m.version}: name and sql must not be empty`);
  }
}

function keyOf(feature: string, version: number): string {
  return `${feature}\u0000${version}`;
}

function entryOf(m: LedgerEntry): LedgerEntry {
  return { feature: m.feature, version: m.version, name: m.name };
}
