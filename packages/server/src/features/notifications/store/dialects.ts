/** The notification store per database dialect; the composition root picks one. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import type { NotificationStore } from './notification-store.ts';
import { PgNotificationStore } from './postgres.ts';
import { SqliteNotificationStore } from './sqlite.ts';

/** The notification store on SQLite or PostgreSQL. */
export const notificationStores: StoreDialects<NotificationStore> = {
  sqlite: (db) => new SqliteNotificationStore(db),
  postgres: (db) => new PgNotificationStore(db),
};
