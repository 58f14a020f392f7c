/**
 * The panels of the account page, in order. A feature with per-user data (storage objects, friends,
 * groups, wallet ledger...) adds its panel module here; see docs/console.md.
 */
import type { AccountPanel } from './extensions.ts';
import { notificationsPanel } from './pages/account-notifications.tsx';
import { sessionsPanel } from './pages/account-sessions.tsx';

/** Every account panel, shown below the profile and wallet. */
export const ACCOUNT_PANELS: readonly AccountPanel[] = [sessionsPanel, notificationsPanel];
