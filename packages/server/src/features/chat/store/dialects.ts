/** The chat store per database dialect; the composition root picks one. */
import type { StoreDialects } from '../../../core/store-dialects.ts';
import type { ChatStore } from './chat-store.ts';
import { PgChatStore } from './postgres.ts';
import { SqliteChatStore } from './sqlite.ts';

/** The chat store on SQLite or PostgreSQL. */
export const chatStores: StoreDialects<ChatStore> = {
  sqlite: (db) => new SqliteChatStore(db),
  postgres: (db) => new PgChatStore(db),
};
