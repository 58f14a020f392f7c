/**
 * RPC over the socket, and the application-level heartbeat (`ping`/`pong`).
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { string } from './fields.ts';

/** Both directions: call a server function, and its reply (`api.Rpc`). */
export interface Rpc {
  /** Function id (matched case-insensitively by Nakama). */
  id: string;
  /** Payload string (usually JSON); the reply carries the function's result. */
  payload?: string;
  /** HTTP key, for server-to-server calls; unused over the socket. */
  http_key?: string;
}

/**
 * Both directions: heartbeat request (`rtapi.Ping`, an empty object). nakama-js sends one right after
 * connecting and then every 10 s, and closes the socket if the `pong` is 10 s late.
 */
export type Ping = Record<string, never>;

/** Both directions: heartbeat reply (`rtapi.Pong`, an empty object), sent with the ping's `cid`. */
export type Pong = Record<string, never>;

/** Decodes `rpc`; an empty or absent id gets Nakama's "RPC ID must be set". */
export const rpcSchema = z.object({
  id: string.refine((id) => id !== '', { error: 'RPC ID must be set' }),
  payload: string,
  http_key: string,
});

/** Decodes `ping` and `pong`: any object, contents ignored (stripped). */
export const emptySchema = z.object({});
