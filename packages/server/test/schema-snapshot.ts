/**
 * What a database's schema looks like, read from the catalogs, for comparing two databases migrated
 * different ways. Migration bookkeeping tables are left out: they are the one intended difference.
 */
import Database from 'better-sqlite3';
import type pg from 'pg';

const BOOKKEEPING = ['tether_migrations', 'tether_schema_migrations'];

/** Every table, index (with its exact SQL) and implicit unique index of an SQLite file. */
export function sqliteSchema(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return db
      .prepare(
        `SELECT type, name, tbl_name, sql FROM sqlite_master
         WHERE tbl_name NOT IN (${BOOKKEEPING.map(() => '?').join(', ')})
           AND name NOT LIKE 'sqlite_stat%' AND name != 'sqlite_sequence'
         ORDER BY type, name`,
      )
      .all(...BOOKKEEPING);
  } finally {
    db.close();
  }
}

/** Columns, indexes and constraints of a PostgreSQL schema, with the schema's own name blanked out. */
export async function postgresSchema(client: pg.Client, schema: string): Promise<Record<string, unknown[]>> {
  // Catalog functions qualify names outside the search_path only; an empty one qualifies them all.
  await client.query("BEGIN READ ONLY; SET LOCAL search_path = ''");
  try {
    return await read(client, schema);
  } finally {
    await client.query('COMMIT');
  }
}

async function read(client: pg.Client, schema: string): Promise<Record<string, unknown[]>> {
  const strip = (text: string) => text.replaceAll(`${schema}.`, '<schema>.');
  const columns = await client.query(
    `SELECT table_name, ordinal_position, column_name, data_type, character_maximum_length,
            is_nullable, column_default
       FROM information_schema.columns
      WHERE table_schema = $1 AND table_name <> ALL($2)
      ORDER BY table_name, ordinal_position`,
    [schema, BOOKKEEPING],
  );
  const indexes = await client.query<{ tablename: string; indexname: string; indexdef: string }>(
    `SELECT tablename, indexname, indexdef FROM pg_indexes
      WHERE schemaname = $1 AND tablename <> ALL($2) ORDER BY tablename, indexname`,
    [schema, BOOKKEEPING],
  );
  const constraints = await client.query<{ table_name: string; conname: string; def: string }>(
    `SELECT t.relname AS table_name, c.conname, pg_get_constraintdef(c.oid, true) AS def
       FROM pg_constraint c
       JOIN pg_class t ON t.oid = c.conrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
      WHERE n.nspname = $1 AND t.relname <> ALL($2)
      ORDER BY t.relname, c.conname`,
    [schema, BOOKKEEPING],
  );
  return {
    columns: columns.rows,
    indexes: indexes.rows.map((r) => ({ ...r, indexdef: strip(r.indexdef) })),
    constraints: constraints.rows.map((r) => ({ ...r, def: strip(r.def) })),
  };
}
