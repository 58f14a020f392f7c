import type { FeatureParts } from '../../core/feature.ts';
import type { FeatureContext } from '../../core/feature-context.ts';
import { StorageAdmin } from './storage-admin.ts';
import { storageConsoleRoutes } from './storage-console-routes.ts';
import { storageRoutes } from './storage-routes.ts';
import { StorageService } from './storage-service.ts';
import type { StorageStore } from './store/storage-store.ts';

/** The storage feature as the composition root holds it. */
export interface StorageFeature extends FeatureParts {
  /** Storage objects, for the routes and for server code (`nk.storage*`). */
  readonly storage: StorageService;
}

/** What {@link registerStorage} needs besides the context. */
export interface StorageDeps {
  /** This feature's store, built by the composition root for the database's dialect. */
  readonly store: StorageStore;
}

/**
 * Builds the storage service, serves Nakama's storage endpoints and the console's storage browser. A deleted account's objects go
 * with its user row (foreign key), inside the deletion's transaction: no deletion listener needed.
 */
export function registerStorage(ctx: FeatureContext, deps: StorageDeps): StorageFeature {
  const storage = new StorageService({
    store: deps.store,
    clock: ctx.clock,
    maxValueBytes: ctx.config.storageMaxValueBytes,
    logger: ctx.logger,
  });
  const admin = new StorageAdmin({ store: deps.store, storage });
  return {
    storage,
    routes: storageRoutes({ storage, sessions: ctx.verifier }),
    consoleRoutes: storageConsoleRoutes(admin, storage),
  };
}
