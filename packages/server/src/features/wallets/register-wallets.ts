import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import type { WalletStore } from './store/wallet-store.ts';
import { walletConsoleRoutes } from './wallet-console-routes.ts';
import { WalletService } from './wallet-service.ts';

/** The wallets feature as the composition root holds it. */
export interface WalletFeature extends FeatureParts {
  /** Wallet updates and the ledger, for server code (`nk.wallet*`). */
  readonly wallets: WalletService;
}

/** What {@link registerWallets} needs besides the context. */
export interface WalletDeps {
  /** This feature's store, built by the composition root for the database's dialect. */
  readonly store: WalletStore;
}

/**
 * Builds the wallet service. It serves no public routes: clients read their wallet in
 * `GET /v2/account` (the accounts feature) and only server code changes it; the admin console shows
 * a user's ledger. Ledger rows go with a deleted user (foreign key), inside the deletion's
 * transaction.
 */
export function registerWallets(ctx: FeatureContext, deps: WalletDeps): WalletFeature {
  const wallets = new WalletService({ store: deps.store, db: ctx.db, clock: ctx.clock, logger: ctx.logger });
  return { wallets, consoleRoutes: walletConsoleRoutes(wallets) };
}
