/**
 * Status messages: following other users' online status and setting your own.
 *
 * @packageDocumentation
 */

import * as z from 'zod';
import { optionalString, repeated, string, utf8ByteLength } from './fields.ts';
import type { UserPresence } from './presence.ts';

/** Maximum status length. Nakama's text says characters but it measures UTF-8 bytes; so does Tether. */
export const MAX_STATUS_BYTES = 2048;

/** Client → server: start following users' status (`rtapi.StatusFollow`). Reply: `status`. */
export interface StatusFollow {
  /** User ids to follow. */
  user_ids?: string[];
  /** Usernames to follow (in the proto; nakama-js 2.8.0 never sends it). */
  usernames?: string[];
}

/** Client → server: stop following users (`rtapi.StatusUnfollow`). Reply: `{cid}`. */
export interface StatusUnfollow {
  /** User ids to unfollow. */
  user_ids?: string[];
}

/** Client → server: set or clear your own status (`rtapi.StatusUpdate`). Reply: `{cid}`. */
export interface StatusUpdate {
  /** New status text; absent means "appear offline" (untrack). */
  status?: string;
}

/** Server → client reply to `status_follow`: current presences of the followed users. */
export interface Status {
  /** One presence per followed socket that is online, each with `status`. */
  presences?: UserPresence[];
}

/** Server → client push: followed users came online, changed status (join new + leave old) or left. */
export interface StatusPresenceEvent {
  /** New statuses. */
  joins?: UserPresence[];
  /** Previous statuses. */
  leaves?: UserPresence[];
}

/** Decodes `status_follow`. Empty ids or usernames get Nakama's texts. */
export const statusFollowSchema = z.object({
  user_ids: repeated(string.refine((id) => id !== '', { error: 'Invalid user identifier' })),
  usernames: repeated(string.refine((name) => name !== '', { error: 'Invalid username' })),
});

/** Decodes `status_unfollow`. */
export const statusUnfollowSchema = z.object({
  user_ids: repeated(string.refine((id) => id !== '', { error: 'Invalid user identifier' })),
});

/** Decodes `status_update`; `status` stays `undefined` when absent (appear offline). */
export const statusUpdateSchema = z.object({
  status: optionalString.refine((s) => s === undefined || utf8ByteLength(s) <= MAX_STATUS_BYTES, {
    error: 'Status must be 2048 characters or less',
  }),
});
