/**
 * RPC functions registered by game modules, and how a call fails.
 *
 * @packageDocumentation
 */

import { RealtimeErrorCode } from '@tether/protocol';
import type { Logger } from 'pino';
import { DomainError, ErrorKind, errorKindOfGrpc } from '../../shared/domain-error.ts';
import type { RpcContext, RpcFunction } from './rpc-types.ts';

/** gRPC status codes used here (HTTP maps them: 5 → 404, 13 → 500). */
const GRPC_NOT_FOUND = 5;
const GRPC_INTERNAL = 13;

/** Why an RPC call failed. */
export const RpcFailure = {
  /** No function with that id (socket code 6, HTTP 404). */
  NOT_FOUND: 'not_found',
  /** The function threw or returned something that is not a string (socket code 7, HTTP 500 or its code). */
  EXCEPTION: 'exception',
} as const;
export type RpcFailure = (typeof RpcFailure)[keyof typeof RpcFailure];

/**
 * A failed RPC call, in the service error vocabulary: unknown ids are NOT_FOUND (socket code 6, HTTP
 * 404); a failing function has the gRPC code its error set in a numeric `code` (else INTERNAL) and
 * socket code 7.
 */
export class RpcError extends DomainError {
  override readonly name = 'RpcError';
  readonly failure: RpcFailure;

  constructor(failure: RpcFailure, message: string, grpcCode: number, options?: { cause?: unknown }) {
    super(failure === RpcFailure.NOT_FOUND ? ErrorKind.NOT_FOUND : errorKindOfGrpc(grpcCode), message, {
      ...options,
      socketCode:
        failure === RpcFailure.NOT_FOUND
          ? RealtimeErrorCode.RUNTIME_FUNCTION_NOT_FOUND
          : RealtimeErrorCode.RUNTIME_FUNCTION_EXCEPTION,
    });
    this.failure = failure;
  }
}

/** Longest RPC id accepted at registration. */
export const MAX_RPC_ID_CHARS = 128;

/**
 * RPC functions by id. Ids are matched case-insensitively (Nakama lower-cases them), so registering
 * `Create_Arena` and calling `create_arena` works, and registering both is refused.
 */
export class RpcRegistry {
  #functions = new Map<string, RpcFunction>();
  readonly #log: Logger;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Registers a function; throws for an empty, too long or already registered id. */
  register(id: string, fn: RpcFunction): void {
    if (typeof id !== 'string' || id.trim() === '' || id.length > MAX_RPC_ID_CHARS) {
      throw new Error(`RPC id must be 1-${MAX_RPC_ID_CHARS} characters, got '${String(id).slice(0, 64)}'`);
    }
    if (typeof fn !== 'function') throw new Error(`RPC '${id}' must be a function`);
    const key = id.toLowerCase();
    if (this.#functions.has(key)) throw new Error(`RPC '${id}' is already registered`);
    this.#functions.set(key, fn);
  }

  /**
   * Replaces every function with those registered in `next`, at once (a runtime reload): calls that
   * already started finish on the old function, later ones get the new.
   */
  replaceWith(next: RpcRegistry): void {
    this.#functions = new Map(next.#functions);
  }

  /** Whether a function is registered under this id (any case). */
  has(id: string): boolean {
    return this.#functions.has(id.toLowerCase());
  }

  /** Registered ids (lower-case). */
  ids(): string[] {
    return [...this.#functions.keys()];
  }

  /**
   * Calls a function. Resolves to its result (`""` for nothing); rejects with {@link RpcError} only.
   */
  async call(id: string, ctx: RpcContext, payload: string): Promise<string> {
    const fn = this.#functions.get(id.toLowerCase());
    if (!fn) throw new RpcError(RpcFailure.NOT_FOUND, 'RPC function not found', GRPC_NOT_FOUND);
    let result: unknown;
    try {
      result = await fn(ctx, payload);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.#log.warn({ err, rpc: id, userId: ctx.userId }, 'RPC function failed');
      throw new RpcError(RpcFailure.EXCEPTION, message || 'RPC function failed', grpcCodeOf(err), {
        cause: err,
      });
    }
    if (result === undefined || result === null) return '';
    if (typeof result === 'string') return result;
    throw new RpcError(
      RpcFailure.EXCEPTION,
      `RPC function '${id}' returned ${Array.isArray(result) ? 'an array' : typeof result}: return a string (e.g. JSON.stringify(result))`,
      GRPC_INTERNAL,
    );
  }
}

/** The gRPC code an error asks for (a numeric `code` 1–16), or INTERNAL. */
function grpcCodeOf(err: unknown): number {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && Number.isInteger(code) && code >= 1 && code <= 16 ? code : GRPC_INTERNAL;
}
