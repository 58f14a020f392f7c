/**
 * The console's pages, in navigation order. A feature adds its page module here (docs/console.md);
 * pages waiting for their features: storage browser, groups (and friends, storage
 * objects and groups as account panels in `account-panels.ts`).
 */
import type { ConsolePage } from './extensions.ts';
import { accountsPage } from './pages/accounts.tsx';
import { chatPage } from './pages/chat.tsx';
import { configPage } from './pages/config.tsx';
import { leaderboardsPage } from './pages/leaderboards.tsx';
import { matchesPage } from './pages/matches.tsx';
import { runtimePage } from './pages/runtime.tsx';
import { statusPage } from './pages/status.tsx';

/** Every page; the first is the home page. */
export const PAGES: readonly ConsolePage[] = [
  statusPage,
  accountsPage,
  matchesPage,
  chatPage,
  leaderboardsPage,
  runtimePage,
  configPage,
];
