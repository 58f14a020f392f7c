import { pick } from './database.ts';
import type { AnyDb } from './db/db.ts';
import {
  accountSearchStores,
  accountStores,
  identityStores,
  revocationStores,
} from './features/accounts/store/dialects.ts';
import { chatStores } from './features/chat/store/dialects.ts';
import { friendStores } from './features/friends/store/dialects.ts';
import { groupStores } from './features/groups/store/dialects.ts';
import { leaderboardStores } from './features/leaderboards/store/dialects.ts';
import { notificationStores } from './features/notifications/store/dialects.ts';
import { storageStores } from './features/storage/store/dialects.ts';
import { walletStores } from './features/wallets/store/dialects.ts';
import type { StoreMeter } from './observability/meters.ts';
import { timed } from './observability/timed.ts';

/** Every feature's stores for the database's dialect, each timed through the storage meter. */
export type FeatureStores = ReturnType<typeof featureStores>;

/**
 * Part of the composition root (`create-server.ts`): builds each feature's stores for the open
 * database's dialect (SQLite or PostgreSQL). Every store call is timed
 * (tether_storage_operation_duration_seconds) by wrapping it once here.
 */
export function featureStores(db: AnyDb, meter: StoreMeter) {
  return {
    accounts: timed(pick(db, accountStores), 'accounts', meter),
    identities: timed(pick(db, identityStores), 'identities', meter),
    revocations: timed(pick(db, revocationStores), 'revocations', meter),
    accountSearch: timed(pick(db, accountSearchStores), 'accountSearch', meter),
    chat: timed(pick(db, chatStores), 'chat', meter),
    notifications: timed(pick(db, notificationStores), 'notifications', meter),
    leaderboards: timed(pick(db, leaderboardStores), 'leaderboards', meter),
    friends: timed(pick(db, friendStores), 'friends', meter),
    groups: timed(pick(db, groupStores), 'groups', meter),
    storage: timed(pick(db, storageStores), 'storage', meter),
    wallets: timed(pick(db, walletStores), 'wallets', meter),
  };
}
