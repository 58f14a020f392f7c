import type { Pool } from 'pg';
import { isUuid } from '../../shared/ids.ts';
import { type ChatScan, listChatPage } from '../pagination.ts';
import { type MessageRow as MessageRowOf, messageFromRow, timeAsIs } from '../rows.ts';
import type {
  ChatHistoryPage,
  ChatHistoryQuery,
  ChatMessageKey,
  ChatMessageRecord,
  ChatStore,
} from '../types.ts';

type MessageRow = MessageRowOf<Date>;

const COLUMNS = 'id, channel_id, code, sender_id, username, content, create_time, update_time';

/** {@link ChatStore} on PostgreSQL. Ids are UUID columns, so a non-UUID id simply matches nothing. */
export class PgChatStore implements ChatStore {
  readonly #pool: Pool;
  readonly #scan: ChatScan;

  constructor(pool: Pool) {
    this.#pool = pool;
    this.#scan = async (channelId, from, order, limit) => {
      const dir = order === 'asc' ? 'ASC' : 'DESC';
      const params: unknown[] = [channelId, limit];
      let where = '';
      if (from) {
        // Millisecond positions: the service writes millisecond times, so they compare exactly.
        where = `AND (create_time, id) ${order === 'asc' ? '>' : '<'} ($3, $4::uuid)`;
        params.push(new Date(from.time), from.id);
      }
      const { rows } = await this.#pool.query<MessageRow>(
        `SELECT ${COLUMNS} FROM chat_messages WHERE channel_id = $1 ${where}
         ORDER BY create_time ${dir}, id ${dir} LIMIT $2`,
        params,
      );
      return rows.map(toMessage);
    };
  }

  async insertMessage(m: ChatMessageRecord): Promise<void> {
    await this.#pool.query(`INSERT INTO chat_messages (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [
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
    const { rows } = await this.#pool.query<MessageRow>(
      `UPDATE chat_messages SET content = $1, username = $2, update_time = $3
       WHERE id = $4 AND channel_id = $5 AND sender_id = $6 RETURNING ${COLUMNS}`,
      [change.content, change.username, change.updateTime, key.id, key.channelId, key.senderId],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async removeMessage(key: ChatMessageKey): Promise<ChatMessageRecord | null> {
    if (!isUuid(key.id) || !isUuid(key.senderId)) return null;
    const { rows } = await this.#pool.query<MessageRow>(
      `DELETE FROM chat_messages WHERE id = $1 AND channel_id = $2 AND sender_id = $3 RETURNING ${COLUMNS}`,
      [key.id, key.channelId, key.senderId],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  async getMessage(id: string): Promise<ChatMessageRecord | null> {
    if (!isUuid(id)) return null;
    const { rows } = await this.#pool.query<MessageRow>(
      `SELECT ${COLUMNS} FROM chat_messages WHERE id = $1`,
      [id],
    );
    return rows[0] ? toMessage(rows[0]) : null;
  }

  listMessages(channelId: string, query: ChatHistoryQuery): Promise<ChatHistoryPage> {
    return listChatPage(this.#scan, channelId, query);
  }
}

function toMessage(r: MessageRow): ChatMessageRecord {
  return messageFromRow(r, timeAsIs);
}
