import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** Argon2id cost parameters. */
export interface PasswordHashCost {
  /** Memory per hash, KiB. */
  readonly memoryKib: number;
  /** Passes over that memory. */
  readonly timeCost: number;
}

/**
 * The default cost: OWASP's first recommended Argon2id setting (m = 19 MiB, t = 2, p = 1), about
 * 20-30 ms per hash on a current server core. Hashes run on libuv's thread pool (4 threads unless
 * UV_THREADPOOL_SIZE says otherwise), so at most 4 × 19 MiB is in use at once however many logins
 * arrive together.
 */
export const DEFAULT_PASSWORD_HASH_COST: PasswordHashCost = Object.freeze({ memoryKib: 19_456, timeCost: 2 });

// `Algorithm` is a const enum in the type declarations, which isolated modules cannot read.
const ARGON2ID = 2 as Algorithm;

/**
 * Hashes and checks passwords with Argon2id (`@node-rs/argon2`). Hashes are self-describing PHC
 * strings (`$argon2id$v=19$m=…,t=…,p=1$salt$hash`), so a cost change applies to new hashes while old
 * ones still verify. The comparison inside `verify` is constant-time.
 */
export class PasswordHasher {
  readonly #cost: PasswordHashCost;

  constructor(cost: PasswordHashCost = DEFAULT_PASSWORD_HASH_COST) {
    this.#cost = cost;
  }

  /** The cost new hashes use. */
  get cost(): PasswordHashCost {
    return this.#cost;
  }

  /** A new salted hash of `password`. */
  hash(password: string): Promise<string> {
    return hash(password, {
      algorithm: ARGON2ID,
      memoryCost: this.#cost.memoryKib,
      timeCost: this.#cost.timeCost,
      parallelism: 1,
    });
  }

  /** Whether `password` matches `hashed`. A malformed stored hash counts as a mismatch. */
  async verify(hashed: string, password: string): Promise<boolean> {
    try {
      return await verify(hashed, password);
    } catch {
      return false;
    }
  }
}
