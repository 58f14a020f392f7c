/** What the friends and groups pages share: the wire shapes of the console's social routes. */

/** A user as the lists show it. */
export interface ListedUser {
  id: string;
  username: string;
  display_name?: string;
  online?: boolean;
}

/** `api.Group`. */
export interface Group {
  id: string;
  name: string;
  description?: string;
  lang_tag?: string;
  metadata?: string;
  avatar_url?: string;
  creator_id?: string;
  open: boolean;
  edge_count?: number;
  max_count: number;
  create_time: string;
  update_time: string;
}

/** Names of the group states (Nakama's ranks). */
export const GROUP_STATES = ['superadmin', 'admin', 'member', 'join request', 'banned'] as const;

/** Names of the friend states. */
export const FRIEND_STATES = ['friend', 'invitation sent', 'invitation received', 'blocked'] as const;
