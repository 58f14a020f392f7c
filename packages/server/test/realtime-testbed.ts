/**
 * Test doubles for realtime unit tests (feature services): sessions that record what they are sent,
 * on a real tracker and router, over a real SQLite database opened and migrated as the server does.
 * Not used by production code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, pick } from '../src/database.ts';
import { accountStores } from '../src/features/accounts/store/dialects.ts';
import { chatStores } from '../src/features/chat/store/dialects.ts';
import { friendStores } from '../src/features/friends/store/dialects.ts';
import { groupStores } from '../src/features/groups/store/dialects.ts';
import { notificationStores } from '../src/features/notifications/store/dialects.ts';
import { createLogger } from '../src/observability/logger.ts';
import { LocalMessageRouter } from '../src/presence/message-router.ts';
import type { OutboundMessage } from '../src/presence/outbound.ts';
import { LocalTracker } from '../src/presence/tracker.ts';
import type { SessionHandle } from '../src/presence/types.ts';
import { newUuid } from '../src/shared/ids.ts';

/** A session that keeps every envelope it is sent, decoded, and lets tests wait for one. */
export class RecordingSession implements SessionHandle {
  readonly id = newUuid();
  readonly received: Record<string, unknown>[] = [];
  closed = false;
  readonly #waiters: {
    match: (e: Record<string, unknown>) => boolean;
    resolve: (e: Record<string, unknown>) => void;
  }[] = [];

  constructor(
    readonly userId: string,
    readonly username: string,
  ) {}

  deliver(message: OutboundMessage): void {
    const envelope = JSON.parse(message.text) as Record<string, unknown>;
    this.received.push(envelope);
    for (const w of [...this.#waiters]) {
      if (w.match(envelope)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(envelope);
      }
    }
  }

  /** Envelopes received so far with the given key (`channel_message`, `notifications`, ...). */
  pushes(key: string): unknown[] {
    return this.received.filter((e) => key in e).map((e) => e[key]);
  }

  /** The next envelope with `key` not yet seen, waiting for it (after `already` earlier ones). */
  next(key: string, already = this.pushes(key).length): Promise<unknown> {
    const have = this.pushes(key);
    if (have.length > already) return Promise.resolve(have[already]);
    return new Promise((resolve) => {
      this.#waiters.push({ match: (e) => key in e, resolve: (e) => resolve(e[key]) });
    });
  }
}

/** A tracker, router, SQLite database and the feature stores, with a registry of {@link RecordingSession}s. */
export async function realtimeTestbed() {
  const dir = mkdtempSync(join(tmpdir(), 'tether-realtime-'));
  const db = await openDatabase({
    data: dir,
    database: 'sqlite',
    databaseSchema: undefined,
    databasePoolSize: 1,
  });
  const stores = {
    accounts: pick(db, accountStores),
    chat: pick(db, chatStores),
    notifications: pick(db, notificationStores),
    friends: pick(db, friendStores),
    groups: pick(db, groupStores),
  };
  const tracker = new LocalTracker({ node: 'test-node' });
  const sessions = new Map<string, RecordingSession>();
  const router = new LocalMessageRouter({ node: 'test-node', tracker, sessions });
  const logger = createLogger('silent');
  let n = 0;
  return {
    db,
    stores,
    tracker,
    router,
    logger,
    /** Creates an account and a connected session for it. */
    async user(username = `user${++n}`): Promise<RecordingSession> {
      const u = await stores.accounts.createAccount({
        id: newUuid(),
        username,
        identity: { kind: 'device', id: `device-${username}-${newUuid()}` },
        now: new Date(),
      });
      return this.connect(u.id, u.username);
    },
    /** Another session (socket) of an existing user. */
    connect(userId: string, username: string): RecordingSession {
      const s = new RecordingSession(userId, username);
      sessions.set(s.id, s);
      return s;
    },
    async close(): Promise<void> {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves after pending presence events (delivered on the next event-loop turn) have gone out. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
