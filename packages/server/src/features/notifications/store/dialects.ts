import type { AnyDb } from '../../../db/db.ts';
import type { NotificationStore } from '../../../storage/types.ts';
import { PgNotificationStore } from './postgres.ts';
import { SqliteNotificationStore } from './sqlite.ts';

/** The notification store for the server's database (migrated first). */
export function createNotificationStore(db: AnyDb): NotificationStore {
  return db.dialect === 'sqlite' ? new SqliteNotificationStore(db) : new PgNotificationStore(db);
}
