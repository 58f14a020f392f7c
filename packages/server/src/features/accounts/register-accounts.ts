import type { Logger } from 'pino';
import type { ApiRoute } from '../../api/http-types.ts';
import type { TetherConfig } from '../../config/config.ts';
import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import type { Db } from '../../db/db.ts';
import type { AuthMeter } from '../../observability/meters.ts';
import { type Clock, systemClock } from '../../shared/clock.ts';
import { accountConsoleRoutes } from './account-console-routes.ts';
import { AccountDeletion } from './account-deletion.ts';
import { AccountLinks } from './account-links.ts';
import { accountRoutes } from './account-routes.ts';
import { AccountSearch } from './account-search.ts';
import { AccountService } from './account-service.ts';
import { PasswordHasher } from './auth/passwords.ts';
import { AuthThrottle } from './auth/rate-limiter.ts';
import { RevocationService } from './auth/revocations.ts';
import { SessionAuth } from './auth/session-auth.ts';
import { TokenSigner } from './auth/tokens.ts';
import type { AccountStore } from './store/account-store.ts';
import type { IdentityStore } from './store/identity-store.ts';
import type { RevocationStore } from './store/revocation-store.ts';
import type { AccountSearchStore } from './store/search-store.ts';

/** The account services, built once by the composition root and shared by HTTP and sockets. */
export interface AccountFeature extends FeatureParts {
  readonly accounts: AccountService;
  /** Linking and unlinking devices, custom ids and emails. */
  readonly links: AccountLinks;
  /**
   * Account deletion. Features whose rows a deleted account must take along register with
   * `deletion.onDelete(listener)`; listeners run inside the deletion's transaction.
   */
  readonly deletion: AccountDeletion;
  /** Token checks for the socket layer: `verifySessionToken` before upgrade, `onRevoked` to close sockets. */
  readonly auth: SessionAuth;
  readonly throttle: AuthThrottle;
  /** Nakama's account, authentication, session and user routes. */
  readonly routes: readonly ApiRoute[];
  /** The accounts section of the admin console. */
  readonly consoleRoutes: readonly ApiRoute[];
  /** Stops background work (revocation pruning). The database is closed separately, after this. */
  close(): Promise<void>;
}

/** What {@link registerAccounts} is built from. */
export interface AccountDeps {
  readonly config: TetherConfig;
  /** For transactions (a ban and its revocations) and after-commit notices (revocations). */
  readonly db: Db;
  /** This feature's stores, built by the composition root for the database's dialect. */
  readonly stores: {
    readonly accounts: AccountStore;
    readonly identities: IdentityStore;
    readonly revocations: RevocationStore;
    /** The admin console's account search. */
    readonly search: AccountSearchStore;
  };
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Counts and times authentications. */
  readonly meter?: AuthMeter;
}

/**
 * Builds accounts, sessions and the failed-authentication throttle on this feature's stores, and
 * their routes. It does not choose the stores' backend: `create-server.ts` does and passes them in.
 * Unlike the other features it gets no {@link FeatureContext}: the context's session verifier is
 * this feature's.
 */
export function registerAccounts(deps: AccountDeps): AccountFeature {
  const { config, db, stores, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const revocations = new RevocationService({
    store: stores.revocations,
    db,
    clock,
    maxLifetimeSec: Math.max(config.tokenExpirySec, config.refreshTokenExpirySec),
    // Sound only where this process makes every revocation: in cluster mode other nodes revoke too,
    // and their notices arrive later than their commits, so every check reads the database.
    verdictCacheMs: config.cluster ? 0 : config.revocationCacheMs,
    logger,
  });
  const sessions = new SessionAuth({
    signer: new TokenSigner({
      sessionKey: config.sessionEncryptionKey,
      refreshKey: config.refreshEncryptionKey,
    }),
    revocations,
    clock,
    tokenExpirySec: config.tokenExpirySec,
    refreshTokenExpirySec: config.refreshTokenExpirySec,
    logger,
  });
  const throttle = new AuthThrottle(
    {
      perAddress: config.authFailuresPerAddress,
      perAccount: config.authFailuresPerAccount,
      windowSec: config.authFailureWindowSec,
      maxKeys: config.authFailureTrackedKeys,
    },
    clock,
  );
  const passwords = new PasswordHasher({
    memoryKib: config.passwordHashMemoryKib,
    timeCost: config.passwordHashTimeCost,
  });
  const accounts = new AccountService({
    store: stores.accounts,
    db,
    sessions,
    passwords,
    throttle,
    clock,
    logger,
    meter: deps.meter,
  });
  const links = new AccountLinks({ store: stores.identities, passwords, clock });
  const deletion = new AccountDeletion({ store: stores.accounts, db, sessions, clock, logger });
  return {
    accounts,
    links,
    deletion,
    auth: sessions,
    throttle,
    routes: accountRoutes({ accounts, links, deletion, sessions, throttle, serverKey: config.serverKey }),
    consoleRoutes: accountConsoleRoutes({
      accounts,
      links,
      deletion,
      search: new AccountSearch(stores.search),
    }),
    close: () => sessions.close(),
  };
}
