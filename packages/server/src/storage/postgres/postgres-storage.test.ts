import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { newTestSchema, POSTGRES_TEST_URL, postgresAvailable } from '../../../test/postgres.ts';
import { describeStorageContract, type StorageFixture } from '../contract.ts';
import { describeChatStorageContract } from '../contract-chat.ts';
import type { Storage } from '../types.ts';
import { PostgresStorage } from './postgres-storage.ts';

const available = await postgresAvailable('postgres storage');
const open = (schema: string) => PostgresStorage.open({ url: POSTGRES_TEST_URL, schema, poolSize: 4 });

async function openPostgres(): Promise<StorageFixture> {
  const schema = newTestSchema();
  let current: Storage = await open(schema.name);
  return {
    get storage() {
      return current;
    },
    async reopen() {
      await current.close();
      current = await open(schema.name);
      return current;
    },
    async cleanup() {
      await current.close();
      await schema.drop();
    },
  };
}

describe.skipIf(!available)('PostgreSQL', () => {
  describeStorageContract('postgres', openPostgres);
  describeChatStorageContract('postgres', openPostgres);

  describe('PostgresStorage', () => {
    it('creates its schema, records migrations once and keeps tables out of public', async () => {
      const schema = newTestSchema();
      try {
        await (await open(schema.name)).close();
        await (await open(schema.name)).close();
        const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
        await client.connect();
        try {
          const versions = await client.query(`SELECT version FROM "${schema.name}".tether_migrations`);
          expect(versions.rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }]);
          const tables = await client.query(
            `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
            [schema.name],
          );
          expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual([
            'chat_messages',
            'notifications',
            'revoked_sessions',
            'revoked_users',
            'tether_migrations',
            'user_devices',
            'users',
          ]);
        } finally {
          await client.end();
        }
      } finally {
        await schema.drop();
      }
    });

    it('fails with the server address and without the password when it cannot connect', async () => {
      const err = await PostgresStorage.open({
        url: 'postgres://someone:secret-pw@127.0.0.1:1/nothing',
        poolSize: 1,
      }).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toContain('127.0.0.1:1/nothing');
      expect((err as Error).message).not.toContain('secret-pw');
    });
  });
});
