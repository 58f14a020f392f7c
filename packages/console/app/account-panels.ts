/**
 * The panels of the account page, in order. A feature with per-user data (storage objects, friends,
 * groups, wallet ledger...) adds its panel module here; see docs/console.md.
 */
import type { AccountPanel } from './extensions.ts';
import { friendsPanel } from './pages/account-friends.tsx';
import { groupsPanel } from './pages/account-groups.tsx';
import { notificationsPanel } from './pages/account-notifications.tsx';
import { sessionsPanel } from './pages/account-sessions.tsx';
import { storagePanel } from './pages/account-storage.tsx';
import { walletPanel } from './pages/account-wallet.tsx';

/** Every account panel, shown below the profile and wallet. */
export const ACCOUNT_PANELS: readonly AccountPanel[] = [
  sessionsPanel,
  notificationsPanel,
  friendsPanel,
  groupsPanel,
  storagePanel,
  walletPanel,
];
