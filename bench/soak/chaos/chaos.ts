/**
 * The soak's chaos knobs, loaded into the server under test as a game module (`--runtime`) only when
 * one is set, so that the suite can show its checks fail on a faulty server:
 *
 * - `SOAK_LEAK_BYTES`: every chat message makes the server keep that many bytes for good (a leak
 *   proportional to traffic, as real leaks are). The memory check must fail.
 * - `SOAK_LOSE_EVERY_SEC`: that often, one chat message already stored (and so acknowledged) is
 *   deleted from the database behind the server's back (SQLite only). The chat check must fail.
 * - `SOAK_DROP_EVERY`: every Nth `match_data_send` is refused by a before hook, so it is never
 *   relayed. The match data check must fail.
 *
 * @packageDocumentation
 */
import type { InitModule } from '@tether/server';
import Database from 'better-sqlite3';

const init: InitModule = (initializer, _nk, logger) => {
  const leakBytes = Number(process.env.SOAK_LEAK_BYTES ?? 0);
  const loseEverySec = Number(process.env.SOAK_LOSE_EVERY_SEC ?? 0);
  const dropEvery = Number(process.env.SOAK_DROP_EVERY ?? 0);
  if (leakBytes > 0) {
    const kept: Buffer[] = [];
    initializer.registerRtBefore('ChannelMessageSend', (_ctx, message) => {
      kept.push(Buffer.alloc(leakBytes, kept.length & 0xff));
      return message;
    });
    logger.warn(`soak chaos: leaking ${leakBytes} bytes per chat message`);
  }
  if (dropEvery > 0) {
    let n = 0;
    initializer.registerRtBefore('MatchDataSend', (_ctx, message) =>
      ++n % dropEvery === 0 ? null : message,
    );
    logger.warn(`soak chaos: dropping every ${dropEvery}th match_data_send`);
  }
  if (loseEverySec > 0) {
    const db = new Database(String(process.env.SOAK_SQLITE_FILE));
    db.pragma('busy_timeout = 5000');
    const lose = db.prepare(
      'DELETE FROM chat_messages WHERE id = (SELECT id FROM chat_messages ORDER BY create_time DESC LIMIT 1 OFFSET 5)',
    );
    setInterval(() => lose.run(), loseEverySec * 1000).unref();
    logger.warn(`soak chaos: deleting a stored chat message every ${loseEverySec} s`);
  }
};
export default init;
