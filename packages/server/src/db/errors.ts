/**
 * Typed errors of the database port. Store errors (conflicts, bad cursors) are the stores' own; these
 * say that the port itself was misused, is closed, is overloaded, or could not migrate.
 */

/** Thrown by every operation on a database port after `close()` was called. */
export class DbClosedError extends Error {
  override readonly name = 'DbClosedError';
  constructor() {
    super('the database is closed');
  }
}

/**
 * Thrown when more operations wait for the SQLite connection than the port allows: the wait queue is
 * bounded, so overload fails fast instead of growing memory.
 */
export class DbBusyError extends Error {
  override readonly name = 'DbBusyError';
  constructor(readonly waiting: number) {
    super(`too many database operations waiting (${waiting}); try again later`);
  }
}

/** A programming mistake in how a store uses the port (async work where sync is required, ...). */
export class DbUsageError extends Error {
  override readonly name = 'DbUsageError';
}

/** A migration list is malformed, the database is newer than the code, or a migration failed. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
