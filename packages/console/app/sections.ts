/**
 * The console's pages, in navigation order. A feature adds its page module here (docs/console.md);
 * pages waiting for their features: none today.
 */
import type { ConsolePage } from './extensions.ts';
import { accountsPage } from './pages/accounts.tsx';
import { chatPage } from './pages/chat.tsx';
import { configPage } from './pages/config.tsx';
import { groupsPage } from './pages/groups.tsx';
import { leaderboardsPage } from './pages/leaderboards.tsx';
import { matchesPage } from './pages/matches.tsx';
import { runtimePage } from './pages/runtime.tsx';
import { statusPage } from './pages/status.tsx';
import { storagePage } from './pages/storage.tsx';

/** Every page; the first is the home page. */
export const PAGES: readonly ConsolePage[] = [
  statusPage,
  accountsPage,
  matchesPage,
  chatPage,
  groupsPage,
  storagePage,
  leaderboardsPage,
  runtimePage,
  configPage,
];
