import type { Logger } from 'pino';
import type { ApiRoute } from '../../api/http-types.ts';
import type { TetherConfig } from '../../config/config.ts';
import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import type { AuthMeter } from '../../observability/meters.ts';
import { type Clock, systemClock } from '../../shared/clock.ts';
import type { Storage } from '../../storage/types.ts';
import { accountConsoleRoutes } from './account-console-routes.ts';
import { accountRoutes } from './account-routes.ts';
import { AccountService } from './account-service.ts';
import { PasswordHasher } from './auth/passwords.ts';
import { AuthThrottle } from './auth/rate-limiter.ts';
import { RevocationService } from './auth/revocations.ts';
import { SessionAuth } from './auth/session-auth.ts';
import { TokenSigner } from './auth/tokens.ts';

/** The account services, built once by the composition root and shared by HTTP and sockets. */
export interface AccountFeature extends FeatureParts {
  readonly accounts: AccountService;
  /** Token checks for the socket layer: `verifySessionToken` before upgrade, `onRevoked` to close sockets. */
  readonly auth: SessionAuth;
  readonly throttle: AuthThrottle;
  /** Nakama's account, authentication, session and user routes. */
  readonly routes: readonly ApiRoute[];
  /** The accounts section of the admin console. */
  readonly consoleRoutes: readonly ApiRoute[];
  /** Stops background work (revocation pruning). Storage is closed separately, after this. */
  close(): Promise<void>;
}

/**
 * Builds accounts, sessions and the failed-authentication throttle on a storage backend, and their
 * routes. It does not choose the backend: `create-server.ts` does and passes it in. Unlike the other
 * features it gets no {@link FeatureContext}: the context's session verifier is this feature's.
 */
export function registerAccounts(deps: {
  readonly config: TetherConfig;
  readonly storage: Storage;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Counts and times authentications. */
  readonly meter?: AuthMeter;
}): AccountFeature {
  const { config, storage, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const revocations = new RevocationService({
    store: storage.revocations,
    clock,
    maxLifetimeSec: Math.max(config.tokenExpirySec, config.refreshTokenExpirySec),
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
    store: storage.accounts,
    sessions,
    passwords,
    throttle,
    clock,
    logger,
    meter: deps.meter,
  });
  return {
    accounts,
    auth: sessions,
    throttle,
    routes: accountRoutes({ accounts, sessions, throttle, serverKey: config.serverKey }),
    consoleRoutes: accountConsoleRoutes(accounts),
    close: () => sessions.close(),
  };
}
