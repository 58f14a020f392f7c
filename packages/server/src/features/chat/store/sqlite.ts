/**
 * The chat store on the SQLite port; times are Unix milliseconds. Statements are prepared once and
 * run through `db.run()`, so they wait while another request's transaction is open and join the
 * caller's own transaction when there is one.
 */
import type { SqliteDb, SqliteStatement } from '../../../db/db.ts';
import type {
  ChatHistoryPage,
  ChatHistoryQuery,
  ChatMessageKey,
  ChatMessageRecord,
  ChatStore,
} from './chat-store.ts';
import { type ChatScan, listChatPage } from './pagination.ts';
import { type MessageRow as MessageRowOf, messageFromRow } from './rows.ts';

type MessageRow = MessageRowOf<number>;

const COLUMNS = 'id, channel_id, code, sender_id, username, content, create_time, update_time';

/** {@link ChatStore} on SQLite. */
export class SqliteChatStore implements ChatStore {
  readonly #db: SqliteDb;
  readonly #insert: SqliteStatement<MessageRow, unknown>;
  readonly #update: SqliteStatement<[string, string, number, string, string, string], MessageRow>;
  readonly #remove: SqliteStatement<[string, string, string], MessageRow>;
  readonly #get: SqliteStatement<[string], MessageRow>;
  readonly #removeBySender: SqliteStatement<[string], unknown>;
  /** Scans keyed by order and by whether they start at a position: four fixed statements. */
  readonly #scans: Record<'asc' | 'desc', Record<'all' | 'from', SqliteStatement<unknown[], MessageRow>>>;
  readonly #scan: ChatScan;

  /** `db` must be migrated (the chat table exists) before stores are built. */
  constructor(db: SqliteDb) {
    this.#db = db;
    this.#insert = db.prepare<MessageRow>(
      `INSERT INTO chat_messages (${COLUMNS})
       VALUES (@id, @channel_id, @code, @sender_id, @username, @content, @create_time, @update_time)`,
    );
    this.#update = db.prepare<[string, string, number, string, string, string], MessageRow>(
      `UPDATE chat_messages SET content = ?, username = ?, update_time = ?
       WHERE id = ? AND channel_id = ? AND sender_id = ? RETURNING ${COLUMNS}`,
    );
    this.#remove = db.prepare<[string, string, string], MessageRow>(
      `DELETE FROM chat_messages WHERE id = ? AND channel_id = ? AND sender_id = ? RETURNING ${COLUMNS}`,
    );
    this.#get = db.prepare<[string], MessageRow>(`SELECT ${COLUMNS} FROM chat_messages WHERE id = ?`);
    this.#removeBySender = db.prepare<[string]>('DELETE FROM chat_messages WHERE sender_id = ?');
    const scan = (cmp: '>' | '<' | null, order: 'ASC' | 'DESC') =>
      db.prepare<unknown[], MessageRow>(
        `SELECT ${COLUMNS} FROM chat_messages WHERE channel_id = ?
         ${cmp ? `AND (create_time, id) ${cmp} (?, ?)` : ''}
         ORDER BY create_time ${order}, id ${order} LIMIT ?`,
      );
    this.#scans = {
      asc: { all: scan(null, 'ASC'), from: scan('>', 'ASC') },
      desc: { all: scan(null, 'DESC'), from: scan('<', 'DESC') },
    };
    this.#scan = (channelId, from, order, limit) =>
      this.#db.run(() =>
        (from
          ? this.#scans[order].from.all(channelId, from.time, from.id, limit)
          : this.#scans[order].all.all(channelId, limit)
        ).map(toMessage),
      );
  }

  async insertMessage(m: ChatMessageRecord): Promise<void> {
    await this.#db.run(() =>
      this.#insert.run({
        id: m.id,
        channel_id: m.channelId,
        code: m.code,
        sender_id: m.senderId,
        username: m.username,
        content: m.content,
        create_time: m.createTime.getTime(),
        update_time: m.updateTime.getTime(),
      }),
    );
  }

  updateMessage(
    key: ChatMessageKey,
    change: { readonly content: string; readonly username: string; readonly updateTime: Date },
  ): Promise<ChatMessageRecord | null> {
    return this.#db.run(() =>
      maybeMessage(
        this.#update.get(
          change.content,
          change.username,
          change.updateTime.getTime(),
          key.id,
          key.channelId,
          key.senderId,
        ),
      ),
    );
  }

  removeMessagesBySender(senderId: string): Promise<number> {
    return this.#db.run(() => this.#removeBySender.run(senderId).changes);
  }

  removeMessage(key: ChatMessageKey): Promise<ChatMessageRecord | null> {
    return this.#db.run(() => maybeMessage(this.#remove.get(key.id, key.channelId, key.senderId)));
  }

  getMessage(id: string): Promise<ChatMessageRecord | null> {
    return this.#db.run(() => maybeMessage(this.#get.get(id)));
  }

  listMessages(channelId: string, query: ChatHistoryQuery): Promise<ChatHistoryPage> {
    return listChatPage(this.#scan, channelId, query);
  }
}

function maybeMessage(row: MessageRow | undefined): ChatMessageRecord | null {
  return row ? toMessage(row) : null;
}

function toMessage(r: MessageRow): ChatMessageRecord {
  return messageFromRow(r, (ms) => new Date(ms));
}
