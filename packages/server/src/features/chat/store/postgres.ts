/**
 * The chat store on the PostgreSQL port. Every query goes through `db.query()`, which uses the
 * caller's transaction client when one is open and the pool otherwise. Does not import `pg`.
 */
import type { PostgresDb } from '../../../db/db.ts';
import { isUuid } from '../../../shared/ids.ts';
import type {
  ChatHistoryPage,
  ChatHistoryQuery,
  ChatMessageKey,
  ChatMessageRecord,
  ChatStore,
} from './chat-store.ts';
import { type ChatScan, listChatPage } from './pagination.ts';
import { type MessageRow as MessageRowOf, messageFromRow } from './rows.ts';

type MessageRow = MessageRowOf<Date>;

const COLUMNS = 'id, channel_id, code, sender_id, username, content, create_time, update_time';

/** {@link ChatStore} on PostgreSQL. Ids are UUID columns, so a non-UUID id simply matches nothing. */
export class PgChatStore implements ChatStore {
  readonly #db: PostgresDb;
  readonly #scan: ChatScan;

  constructor(db: PostgresDb) {
    this.#db = db;
    this.#scan = async (channelId, from, order, limit) => {
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      const params: unknown[] = [channelId, limit];
      let where = '';
      if (from) {
        // Millisecond positions: the service writes millisecond times, so they compare exactly.
        where = `AND (create_time, id) ${order === 'asc' ? '>' : '<'} ($3, $4::uuid)`;
        params.push(new Date(from.time), from.id);
      }
      const rows = await this.#db.rows<MessageRow>(
        `SELECT ${COLUMNS} FROM chat_messages WHERE channel_id = $1 ${where}
         ORDER BY create_time ${dir}, id ${dir} LIMIT $2`,
        params,
      );
      return rows.map(toMessage);
    };
  }

  async insertMessage(m: ChatMessageRecord): Promise<void> {
    await this.#db.query(`INSERT INTO chat_messages (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
      m.id,
      m.channelId,
      m.code,
      m.senderId,
      m.username,
      m.content,
      m.createTime,
      m.updateTime,
    ]);
  }

  async updateMessage(
    key: ChatMessageKey,
    change: { readonly content: string; readonly username: string; readonly updateTime: Date },
  ): Promise<ChatMessageRecord | null> {
    if (!isUuid(key.id) || !isUuid(key.senderId)) return null;
    const row = await this.#db.row<MessageRow>(
      `UPDATE chat_messages SET content = $1, username = $2, update_time = $3
       WHERE id = $4 AND channel_id = $5 AND sender_id = $6 RETURNING ${COLUMNS}`,
      [change.content, change.username, change.updateTime, key.id, key.channelId, key.senderId],
    );
    return maybeMessage(row);
  }

  async removeMessagesBySender(senderId: string): Promise<number> {
    if (!isUuid(senderId)) return 0;
    const { rowCount } = await this.#db.query('DELETE FROM chat_messages WHERE sender_id = $1', [senderId]);
    return rowCount;
  }

  async removeMessage(key: ChatMessageKey): Promise<ChatMessageRecord | null> {
    if (!isUuid(key.id) || !isUuid(key.senderId)) return null;
    const row = await this.#db.row<MessageRow>(
      `DELETE FROM chat_messages WHERE id = $1 AND channel_id = $2 AND sender_id = $3 RETURNING ${COLUMNS}`,
      [key.id, key.channelId, key.senderId],
    );
    return maybeMessage(row);
  }

  async getMessage(id: string): Promise<ChatMessageRecord | null> {
    if (!isUuid(id)) return null;
    return maybeMessage(
      await this.#db.row<MessageRow>(`SELECT ${COLUMNS} FROM chat_messages WHERE id = $1`, [id]),
    );
  }

  listMessages(channelId: string, query: ChatHistoryQuery): Promise<ChatHistoryPage> {
    return listChatPage(this.#scan, channelId, query);
  }
}

function maybeMessage(row: MessageRow | null): ChatMessageRecord | null {
  return row ? toMessage(row) : null;
}

function toMessage(r: MessageRow): ChatMessageRecord {
  return messageFromRow(r, (time) => time);
}
