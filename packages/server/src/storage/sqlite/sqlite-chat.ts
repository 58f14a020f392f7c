import type BetterSqlite3 from 'better-sqlite3';
import { type ChatScan, listChatPage } from '../pagination.ts';
import { type MessageRow as MessageRowOf, messageFromRow, timeFromMillis } from '../rows.ts';
import type {
  ChatHistoryPage,
  ChatHistoryQuery,
  ChatMessageKey,
  ChatMessageRecord,
  ChatStore,
} from '../types.ts';

type Database = BetterSqlite3.Database;

type MessageRow = MessageRowOf<number>;

const COLUMNS = 'id, channel_id, code, sender_id, username, content, create_time, update_time';

/** {@link ChatStore} on SQLite; times are Unix milliseconds. */
export class SqliteChatStore implements ChatStore {
  readonly #insert: BetterSqlite3.Statement<[MessageRow]>;
  readonly #update: BetterSqlite3.Statement<[string, string, number, string, string, string], MessageRow>;
  readonly #remove: BetterSqlite3.Statement<[string, string, string], MessageRow>;
  readonly #get: BetterSqlite3.Statement<[string], MessageRow>;
  /** Scans keyed by order and by whether they start at a position: four fixed statements. */
  readonly #scans: Record<
    'asc' | 'desc',
    Record<'all' | 'from', BetterSqlite3.Statement<unknown[], MessageRow>>
  >;
  readonly #scan: ChatScan;

  constructor(db: Database) {
    this.#insert = db.prepare(
      `INSERT INTO chat_messages (${COLUMNS})
       VALUES (@id, @channel_id, @code, @sender_id, @username, @content, @create_time, @update_time)`,
    );
    this.#update = db.prepare(
      `UPDATE chat_messages SET content = ?, username = ?, update_time = ?
       WHERE id = ? AND channel_id = ? AND sender_id = ? RETURNING ${COLUMNS}`,
    );
    this.#remove = db.prepare(
      `DELETE FROM chat_messages WHERE id = ? AND channel_id = ? AND sender_id = ? RETURNING ${COLUMNS}`,
    );
    this.#get = db.prepare(`SELECT ${COLUMNS} FROM chat_messages WHERE id = ?`);
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
    this.#scan = async (channelId, from, order, limit) => {
      const rows = from
        ? this.#scans[order].from.all(channelId, from.time, from.id, limit)
        : this.#scans[order].all.all(channelId, limit);
      return rows.map(toMessage);
    };
  }

  async insertMessage(m: ChatMessageRecord): Promise<void> {
    this.#insert.run({
      id: m.id,
      channel_id: m.channelId,
      code: m.code,
      sender_id: m.senderId,
      username: m.username,
      content: m.content,
      create_time: m.createTime.getTime(),
      update_time: m.updateTime.getTime(),
    });
  }

  async updateMessage(
    key: ChatMessageKey,
    change: { readonly content: string; readonly username: string; readonly updateTime: Date },
  ): Promise<ChatMessageRecord | null> {
    const row = this.#update.get(
      change.content,
      change.username,
      change.updateTime.getTime(),
      key.id,
      key.channelId,
      key.senderId,
    );
    return row ? toMessage(row) : null;
  }

  async removeMessage(key: ChatMessageKey): Promise<ChatMessageRecord | null> {
    const row = this.#remove.get(key.id, key.channelId, key.senderId);
    return row ? toMessage(row) : null;
  }

  async getMessage(id: string): Promise<ChatMessageRecord | null> {
    const row = this.#get.get(id);
    return row ? toMessage(row) : null;
  }

  listMessages(channelId: string, query: ChatHistoryQuery): Promise<ChatHistoryPage> {
    return listChatPage(this.#scan, channelId, query);
  }
}

function toMessage(r: MessageRow): ChatMessageRecord {
  return messageFromRow(r, timeFromMillis);
}
